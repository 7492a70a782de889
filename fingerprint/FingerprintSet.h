#pragma once
// A registered set of documents as the agent holds it: for each document only its id, its length in
// normalised characters and how many fingerprints it kept; one index of (fingerprint, document)
// pairs (SetIndex, searched in place in the artifact's bytes). No text, no positions.
//
// Boilerplate (docs/decisions/0032): a fingerprint found in at least boilerplateDocs documents of the
// set is letterhead, disclaimer or template text; it is dropped from every document at build time,
// so two unrelated documents on one template do not match through it, and a document's containment
// is measured over its own text only.

#include <cstdint>
#include <string>
#include <vector>

#include "fingerprint/Sampling.h"
#include "fingerprint/SetIndex.h"

namespace mamori::fingerprint {

struct RegisteredDocument {
  std::string id;                     // chosen by the registrant (mamorictl: SHA-256 prefix of the file)
  std::int64_t chars = 0;             // normalised characters
  std::vector<std::uint64_t> hashes;  // distinct, sorted
};

struct SetDocument {
  std::string id;
  std::int64_t chars = 0;
  std::int64_t fingerprints = 0;  // kept after boilerplate was dropped
};

struct FingerprintSet {
  std::string name;
  std::int64_t version = 0;
  std::string keyId;
  std::string createdAt;
  SamplingParams params;
  std::int64_t boilerplateDocs = 3;
  std::int64_t boilerplateDropped = 0;  // distinct fingerprints dropped as boilerplate
  std::vector<SetDocument> documents;
  // The index: (fingerprint, document) with the document's number as payload.
  SetIndex index;

  std::size_t indexBytes() const {
    return index.bytes().size() + index.filterBytes() + documents.capacity() * sizeof(SetDocument);
  }
};

// The payload bits that number this many documents.
unsigned documentBits(std::size_t documents);

// boilerplateDocs < 2 keeps everything.
FingerprintSet buildFingerprintSet(std::string name, std::int64_t version, std::string keyId,
                                   const std::vector<RegisteredDocument>& documents, std::int64_t boilerplateDocs,
                                   const SamplingParams& params = {});

}  // namespace mamori::fingerprint
