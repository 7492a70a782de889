#pragma once
// In-memory storage nodes for tests: the majors /proc/devices would list, nodes added and removed
// by the test as the kernel would, and the partition re-reads and uevents the agent asked for.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "drivers/include/StorageNodes.h"

namespace mamori::drivers::fake {

class FakeStorageNodes final : public StorageNodes {
 public:
  // blkext 259; nvme, nvme-generic, sg and bsg char majors as a Debian 12 kernel registers them.
  FakeStorageNodes()
      : blockMajors_{{"blkext", 259}, {"sd", 8}},
        charMajors_{{"nvme", 240}, {"nvme-generic", 239}, {"sg", 21}, {"bsg", 247}} {}

  // A node the kernel made: below PCI function `function` ("" for none).
  StorageNode& add(const DeviceNumber& number, const std::string& name, const std::string& function, bool disk) {
    StorageNode node;
    node.number = number;
    node.name = name;
    node.devpath =
        "/devices/" + (function.empty() ? std::string("virtual/block") : "pci0000:00/" + function) + "/" + name;
    node.disk = disk;
    if (!function.empty()) node.pciFunctions.push_back(function);
    return nodes_[number] = node;
  }
  // A node of SCSI device `scsi` ("2:0:0:0", type 0: a disk) below PCI function `function`, or below
  // USB when usb is true; vendor, model and serial as INQUIRY and VPD 0x80 give them.
  StorageNode& addScsi(const DeviceNumber& number, const std::string& name, const std::string& scsi, bool disk,
                       const std::string& function = "0000:00:1f.2", bool usb = false, int type = 0) {
    StorageNode& node = add(number, name, function, disk);
    node.scsiDevpath = "/devices/pci0000:00/" + function + (usb ? "/usb2/2-1/2-1:1.0" : "") + "/host" +
                       scsi.substr(0, scsi.find(':')) + "/target" + scsi.substr(0, scsi.rfind(':')) + "/" + scsi;
    node.devpath = node.scsiDevpath + "/" + name;
    node.scsiDevice = scsi;
    node.scsiType = type;
    node.usb = usb;
    node.vendor = "ATA";
    node.model = "Portable SSD";
    node.serial = "S" + scsi;
    return node;
  }
  void remove(const DeviceNumber& number) { nodes_.erase(number); }
  void registerCharMajor(const std::string& name, std::uint32_t major) { charMajors_[name] = major; }
  const std::vector<std::string>& rereads() const { return rereads_; }
  const std::vector<std::string>& announced() const { return announced_; }

  common::Result<std::map<std::string, std::uint32_t>> majors(bool block) const override {
    return block ? blockMajors_ : charMajors_;
  }
  common::Result<std::vector<StorageNode>> nodesOn(const std::vector<DeviceNumber>& majors) const override {
    std::vector<StorageNode> out;
    for (const auto& entry : nodes_) {
      const DeviceNumber& number = entry.first;
      const bool wanted = std::any_of(majors.begin(), majors.end(), [&](const DeviceNumber& m) {
        return m.block == number.block && m.major == number.major;
      });
      if (wanted) out.push_back(entry.second);
    }
    return out;
  }
  common::Result<StorageNode> node(const DeviceNumber& number) const override {
    const auto found = nodes_.find(number);
    if (found == nodes_.end()) return common::makeError("no such device node", std::to_string(number.minor));
    return found->second;
  }
  common::Status rereadPartitions(const std::string& disk) override {
    rereads_.push_back(disk);
    return common::Ok{};
  }
  common::Status announce(const StorageNode& node) override {
    announced_.push_back(node.name);
    return common::Ok{};
  }

 private:
  std::map<std::string, std::uint32_t> blockMajors_;
  std::map<std::string, std::uint32_t> charMajors_;
  std::map<DeviceNumber, StorageNode> nodes_;
  std::vector<std::string> rereads_;
  std::vector<std::string> announced_;
};

}  // namespace mamori::drivers::fake
