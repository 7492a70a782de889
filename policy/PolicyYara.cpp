// YARA sources inside a policy: compiled while validating, errors located at the source's pointer.
#include "policy/SectionParsers.h"
#include "policy/YaraCompiler.h"

namespace mamori::policy {

std::shared_ptr<const YaraRules> compilePolicyYara(const std::string& source, const std::string& setName,
                                                   const std::string& pointer, ErrorList& errors) {
  const auto* compiler = ScopedYaraCompiler::current();
  auto outcome = compiler != nullptr ? (*compiler)(source, pointer) : compileYara(source);
  for (const auto& diagnostic : outcome.errors) {
    std::string message = "YARA rule set \"" + setName + "\"";
    if (diagnostic.line > 0) message += ", line " + std::to_string(diagnostic.line);
    errors.add(pointer, message + ": " + diagnostic.message);
  }
  return outcome.rules;
}

}  // namespace mamori::policy
