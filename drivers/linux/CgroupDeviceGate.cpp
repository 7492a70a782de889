#include "drivers/linux/CgroupDeviceGate.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <linux/bpf.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

namespace mamori::drivers::linux_os {

namespace {

constexpr long kCgroup2Magic = 0x63677270;
constexpr std::uint32_t kMaxRules = 4096;
constexpr std::uint32_t kMaxRefused = 256;

// What the program pushes for each refusal (48 bytes, the queue's value).
struct Record {
  std::uint64_t pidTgid;
  std::uint64_t uidGid;
  std::uint64_t key;
  std::uint32_t access;
  std::uint32_t pad;
  std::array<char, 16> comm;
};
static_assert(sizeof(Record) == 48);

long bpf(int command, bpf_attr& attr) { return ::syscall(SYS_bpf, command, &attr, sizeof attr); }

std::uint64_t keyOf(const DeviceNumber& device) {
  const std::uint64_t type = device.block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
  return (type << 56U) | (static_cast<std::uint64_t>(device.major) << 32U) | device.minor;
}

// A tiny eBPF assembler: the program is a few dozen instructions, not worth a compiler in the build.
struct Asm {
  std::vector<bpf_insn> code;
  void emit(std::uint8_t op, std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm) {
    bpf_insn insn{};
    insn.code = op;
    insn.dst_reg = dst & 0xfU;
    insn.src_reg = src & 0xfU;
    insn.off = off;
    insn.imm = imm;
    code.push_back(insn);
  }
  void movReg(int dst, int src) { emit(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
  void movImm(int dst, std::int32_t imm) { emit(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
  void mov32Imm(int dst, std::int32_t imm) { emit(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm); }
  void aluImm(std::uint8_t op, int dst, std::int32_t imm) { emit(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm); }
  void aluReg(std::uint8_t op, int dst, int src) { emit(BPF_ALU64 | op | BPF_X, dst, src, 0, 0); }
  void load(std::uint8_t size, int dst, int src, std::int16_t off) { emit(BPF_LDX | size | BPF_MEM, dst, src, off, 0); }
  void store(std::uint8_t size, int dst, std::int16_t off, int src) {
    emit(BPF_STX | size | BPF_MEM, dst, src, off, 0);
  }
  void storeImm(std::uint8_t size, int dst, std::int16_t off, std::int32_t imm) {
    emit(BPF_ST | size | BPF_MEM, dst, 0, off, imm);
  }
  void mapFd(int dst, int fd) {
    emit(BPF_LD | BPF_DW, dst, BPF_PSEUDO_MAP_FD, 0, fd);  // mode BPF_IMM (0): the 16-byte 64-bit load
    emit(0, 0, 0, 0, 0);
  }
  void call(std::int32_t helper) { emit(BPF_JMP | BPF_CALL, 0, 0, 0, helper); }
  // r0 = the map's value under the 8-byte key held in register key (stored at r10-8), or 0.
  void lookup(int map, int key) {
    store(BPF_DW, 10, -8, key);
    mapFd(1, map);
    movReg(2, 10);
    aluImm(BPF_ADD, 2, -8);
    call(BPF_FUNC_map_lookup_elem);
  }
  void exit() { emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
  // A conditional jump whose target is fixed later with land().
  std::size_t jumpImm(std::uint8_t op, int dst, std::int32_t imm) {
    emit(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
    return code.size() - 1;
  }
  void land(std::size_t jump) { code[jump].off = static_cast<std::int16_t>(code.size() - jump - 1); }
};

// r6 ctx, r7 access, r8 key. Returns 1 (allow) unless the rules deny one of the access bits asked.
std::vector<bpf_insn> deviceProgram(int rules, int queue, bool withProcess) {
  Asm a;
  a.movReg(6, 1);
  a.load(BPF_W, 7, 6, offsetof(bpf_cgroup_dev_ctx, access_type));
  a.movReg(8, 7);
  a.aluImm(BPF_AND, 8, 0xffff);  // type
  a.aluImm(BPF_RSH, 7, 16);      // access
  a.load(BPF_W, 2, 6, offsetof(bpf_cgroup_dev_ctx, major));
  a.load(BPF_W, 3, 6, offsetof(bpf_cgroup_dev_ctx, minor));
  a.aluImm(BPF_LSH, 8, 56);
  a.aluImm(BPF_LSH, 2, 32);
  a.aluReg(BPF_OR, 8, 2);
  a.aluReg(BPF_OR, 8, 3);  // key = type << 56 | major << 32 | minor
  a.lookup(rules, 8);
  const auto foundMinor = a.jumpImm(BPF_JNE, 0, 0);
  a.mov32Imm(1, -1);  // 0x00000000ffffffff: the whole major
  a.aluReg(BPF_OR, 1, 8);
  a.lookup(rules, 1);
  const auto noRule = a.jumpImm(BPF_JEQ, 0, 0);
  a.land(foundMinor);
  a.load(BPF_W, 1, 0, 0);
  a.aluReg(BPF_AND, 1, 7);
  const auto permitted = a.jumpImm(BPF_JEQ, 1, 0);
  // Refused: tell the agent who asked, then deny.
  if (withProcess) {
    a.call(BPF_FUNC_get_current_pid_tgid);
    a.store(BPF_DW, 10, -56, 0);
    a.call(BPF_FUNC_get_current_uid_gid);
    a.store(BPF_DW, 10, -48, 0);
  } else {
    a.storeImm(BPF_DW, 10, -56, -1);
    a.storeImm(BPF_DW, 10, -48, -1);
  }
  a.store(BPF_DW, 10, -40, 8);
  a.store(BPF_W, 10, -32, 7);
  a.storeImm(BPF_W, 10, -28, 0);
  if (withProcess) {
    a.movReg(1, 10);
    a.aluImm(BPF_ADD, 1, -24);
    a.movImm(2, 16);
    a.call(BPF_FUNC_get_current_comm);
  } else {
    a.storeImm(BPF_DW, 10, -24, 0);
    a.storeImm(BPF_DW, 10, -16, 0);
  }
  a.mapFd(1, queue);
  a.movReg(2, 10);
  a.aluImm(BPF_ADD, 2, -56);
  a.movImm(3, 0);
  a.call(BPF_FUNC_map_push_elem);
  a.movImm(0, 0);
  a.exit();
  a.land(noRule);
  a.land(permitted);
  a.movImm(0, 1);
  a.exit();
  return a.code;
}

common::Result<common::UniqueFd> createMap(std::uint32_t type, std::uint32_t keySize, std::uint32_t valueSize,
                                           std::uint32_t entries, const char* name) {
  bpf_attr attr{};
  attr.map_type = type;
  attr.key_size = keySize;
  attr.value_size = valueSize;
  attr.max_entries = entries;
  std::strncpy(attr.map_name, name, sizeof attr.map_name - 1);
  common::UniqueFd fd(static_cast<int>(bpf(BPF_MAP_CREATE, attr)));
  if (!fd.valid()) return common::makeError("cannot create the BPF map", name, errno);
  return fd;
}

common::Result<common::UniqueFd> loadProgram(const std::vector<bpf_insn>& code, std::string& log) {
  static const char kLicense[] = "Apache-2.0";
  log.assign(16384, '\0');
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<std::uint64_t>(code.data());  // NOLINT: the kernel's ABI
  attr.insn_cnt = static_cast<std::uint32_t>(code.size());
  attr.license = reinterpret_cast<std::uint64_t>(kLicense);    // NOLINT: the kernel's ABI
  attr.log_buf = reinterpret_cast<std::uint64_t>(log.data());  // NOLINT: the kernel's ABI
  attr.log_size = static_cast<std::uint32_t>(log.size());
  attr.log_level = 1;
  std::strncpy(attr.prog_name, CgroupDeviceGate::kProgramName, sizeof attr.prog_name - 1);
  common::UniqueFd fd(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
  const int error = errno;
  log.resize(std::strlen(log.c_str()));
  if (!fd.valid()) return common::makeError("the kernel refused the device program", "bpf", error);
  return fd;
}

// The cgroup v2 root: /sys/fs/cgroup on unified systems, /sys/fs/cgroup/unified on hybrid ones.
std::string cgroupRoot() {
  for (const char* dir : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs info {};
    if (::statfs(dir, &info) == 0 && info.f_type == kCgroup2Magic) return dir;
  }
  return {};
}

// Detaches device programs named kProgramName that an earlier gate left on this cgroup.
void detachLeftovers(int cgroup) {
  std::array<std::uint32_t, 64> ids{};
  bpf_attr query{};
  query.query.target_fd = static_cast<std::uint32_t>(cgroup);
  query.query.attach_type = BPF_CGROUP_DEVICE;
  query.query.prog_ids = reinterpret_cast<std::uint64_t>(ids.data());  // NOLINT: the kernel's ABI
  query.query.prog_cnt = static_cast<std::uint32_t>(ids.size());
  if (bpf(BPF_PROG_QUERY, query) != 0) return;
  for (std::uint32_t i = 0; i < query.query.prog_cnt && i < ids.size(); ++i) {
    bpf_attr byId{};
    byId.prog_id = ids[i];
    const common::UniqueFd program(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, byId)));
    if (!program.valid()) continue;
    bpf_prog_info info{};
    bpf_attr get{};
    get.info.bpf_fd = static_cast<std::uint32_t>(program.get());
    get.info.info_len = sizeof info;
    get.info.info = reinterpret_cast<std::uint64_t>(&info);  // NOLINT: the kernel's ABI
    if (bpf(BPF_OBJ_GET_INFO_BY_FD, get) != 0) continue;
    if (std::strncmp(info.name, CgroupDeviceGate::kProgramName, sizeof info.name) != 0) continue;
    bpf_attr detach{};
    detach.target_fd = static_cast<std::uint32_t>(cgroup);
    detach.attach_bpf_fd = static_cast<std::uint32_t>(program.get());
    detach.attach_type = BPF_CGROUP_DEVICE;
    (void)bpf(BPF_PROG_DETACH, detach);
  }
}

}  // namespace

common::Result<std::unique_ptr<CgroupDeviceGate>> CgroupDeviceGate::makeStarted(std::string cgroupDir) {
  auto gate = std::make_unique<CgroupDeviceGate>(std::move(cgroupDir));
  if (auto started = gate->start(); !started) return started.error();
  return gate;
}

common::Status CgroupDeviceGate::start() {
  if (!started_) started_ = attach();
  return *started_;
}

common::Status CgroupDeviceGate::attach() {
  std::string cgroupDir = cgroupDir_.empty() ? cgroupRoot() : cgroupDir_;
  if (cgroupDir.empty()) return common::makeError("no cgroup v2 hierarchy is mounted", "/sys/fs/cgroup", ENOENT);
  cgroup_.reset(::open(cgroupDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup_.valid()) return common::makeError("cannot open the cgroup", cgroupDir, errno);
  auto rules = createMap(BPF_MAP_TYPE_HASH, sizeof(std::uint64_t), sizeof(std::uint32_t), kMaxRules, "mamori_rules");
  if (!rules) return rules.error();
  rules_ = std::move(rules).value();
  auto queue = createMap(BPF_MAP_TYPE_QUEUE, 0, sizeof(Record), kMaxRefused, "mamori_refused");
  if (!queue) return queue.error();
  queue_ = std::move(queue).value();
  std::string log;
  auto program = loadProgram(deviceProgram(rules_.get(), queue_.get(), true), log);
  withProcess_ = program.ok();
  if (!program) program = loadProgram(deviceProgram(rules_.get(), queue_.get(), false), log);
  if (!program) {
    return common::makeError(program.error().describe() + (log.empty() ? "" : ": " + log.substr(0, 400)), cgroupDir);
  }
  detachLeftovers(cgroup_.get());
  bpf_attr attach{};
  attach.target_fd = static_cast<std::uint32_t>(cgroup_.get());
  attach.attach_bpf_fd = static_cast<std::uint32_t>(program.value().get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, attach) != 0) {
    return common::makeError("cannot attach the device program to the cgroup", cgroupDir, errno);
  }
  program_ = std::move(program).value();  // attached: detached again when the gate goes
  return common::Ok{};
}

CgroupDeviceGate::~CgroupDeviceGate() {
  if (!program_.valid() || !cgroup_.valid()) return;
  bpf_attr detach{};
  detach.target_fd = static_cast<std::uint32_t>(cgroup_.get());
  detach.attach_bpf_fd = static_cast<std::uint32_t>(program_.get());
  detach.attach_type = BPF_CGROUP_DEVICE;
  (void)bpf(BPF_PROG_DETACH, detach);
}

common::Status CgroupDeviceGate::set(const DeviceNumber& device, DeviceAccess access) {
  if (!program_.valid()) return common::makeError("the device gate is not started", "bpf", ENODEV);
  const std::uint64_t key = keyOf(device);
  std::uint32_t denied = 0;
  if (access == DeviceAccess::kNone) denied = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  if (access == DeviceAccess::kReadOnly) denied = BPF_DEVCG_ACC_WRITE;
  bpf_attr attr{};
  attr.map_fd = static_cast<std::uint32_t>(rules_.get());
  attr.key = reinterpret_cast<std::uint64_t>(&key);       // NOLINT: the kernel's ABI
  attr.value = reinterpret_cast<std::uint64_t>(&denied);  // NOLINT: the kernel's ABI
  attr.flags = BPF_ANY;
  if (bpf(BPF_MAP_UPDATE_ELEM, attr) != 0) return common::makeError("cannot set the device rule", "bpf", errno);
  return common::Ok{};
}

common::Status CgroupDeviceGate::clear(const DeviceNumber& device) {
  if (!program_.valid()) return common::Ok{};
  const std::uint64_t key = keyOf(device);
  bpf_attr attr{};
  attr.map_fd = static_cast<std::uint32_t>(rules_.get());
  attr.key = reinterpret_cast<std::uint64_t>(&key);  // NOLINT: the kernel's ABI
  if (bpf(BPF_MAP_DELETE_ELEM, attr) != 0 && errno != ENOENT) {
    return common::makeError("cannot remove the device rule", "bpf", errno);
  }
  return common::Ok{};
}

std::vector<RefusedOpen> CgroupDeviceGate::refused() {
  std::vector<RefusedOpen> out;
  if (!program_.valid()) return out;
  for (std::uint32_t i = 0; i < kMaxRefused; ++i) {
    Record record{};
    bpf_attr attr{};
    attr.map_fd = static_cast<std::uint32_t>(queue_.get());
    attr.value = reinterpret_cast<std::uint64_t>(&record);      // NOLINT: the kernel's ABI
    if (bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, attr) != 0) break;  // ENOENT: empty
    RefusedOpen open;
    open.device.block = (record.key >> 56U) == BPF_DEVCG_DEV_BLOCK;
    open.device.major = static_cast<std::uint32_t>((record.key >> 32U) & 0xffffffU);
    open.device.minor = static_cast<std::uint32_t>(record.key & 0xffffffffU);
    open.wantedRead = (record.access & BPF_DEVCG_ACC_READ) != 0;
    open.wantedWrite = (record.access & BPF_DEVCG_ACC_WRITE) != 0;
    if (record.pidTgid != ~std::uint64_t{0}) {
      open.pid = static_cast<std::int64_t>(record.pidTgid >> 32U);
      open.uid = static_cast<std::int64_t>(record.uidGid & 0xffffffffU);
      open.command.assign(record.comm.data(), ::strnlen(record.comm.data(), record.comm.size()));
    }
    out.push_back(std::move(open));
  }
  return out;
}

}  // namespace mamori::drivers::linux_os
