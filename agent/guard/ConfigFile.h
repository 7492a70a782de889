#pragma once
// /etc/mamori/agent.conf: the agent's command-line options written one per line, so a package
// install can be configured without editing the systemd unit.
//
//   # comment
//   collector = https://collector.example.com:8443
//   ca-file = /etc/mamori/collector.crt
//
// Keys are long option names without the leading dashes. Pure: text in, arguments out.

#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace mamori::agent::guard {

// Options that only make sense on a command line (or would let a config file start a one-shot
// run) are refused here.
common::Result<std::vector<std::string>> configFileArguments(std::string_view text, const std::string& path);

}  // namespace mamori::agent::guard
