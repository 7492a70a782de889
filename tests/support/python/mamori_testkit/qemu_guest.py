"""A QEMU guest for the USB tests: boots the Debian kernel and initramfs (prepare_guest.sh) under TCG
on a q35 machine with a qemu-xhci controller, PCIe hot-plug root ports and a QMP socket, follows the
serial console, and hot-plugs USB sticks, keyboards, MTP responders, USB CD burners, NVMe drives and
SAS controllers when the guest asks ("E2E PLUG <id> <serial|kbd|mtp|usbcd:SERIAL|nvme:PORT|hba:PORT|scsi:SERIAL>",
"E2E UNPLUG <id>")."""
import json
import os
import socket
import subprocess
import time


class Qmp:
    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self._read()  # greeting
        self.command("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("QMP closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, **args):
        self.sock.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(f"QMP {name}: {reply['error']}")


class Guest:
    # PCIe root ports with hot-plug slots (slot number = the guest's slot name). Port 1 holds an NVMe
    # drive from boot (it must never be touched); the others take drives hot-plugged by the test (port 6:
    # the SAS controller, "hba:rp6").
    ROOT_PORTS = 6

    def __init__(self, work, kernel, initrd, append, early=None, sdcard=False, disc=None):
        self.work = work
        self.disc = disc  # also the disc in USB burners ("usbcd:SERIAL")
        self.console = os.path.join(work, "console.log")
        qmp = os.path.join(work, "qmp.sock")
        ctl = os.path.join(work, "ctl.sock")
        for path in (self.console, qmp, ctl):
            if os.path.exists(path):
                os.unlink(path)
        cmd = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "1024", "-smp", "1", "-nic", "none",
               "-display", "none", "-monitor", "none", "-no-reboot",
               "-serial", f"file:{self.console}", "-qmp", f"unix:{qmp},server=on,wait=off",
               "-kernel", kernel, "-initrd", initrd, "-append", append,
               "-device", "qemu-xhci,id=xhci",
               # A second serial port (ttyS1 in the guest): lines from the host, e.g. exception responses.
               "-chardev", f"socket,id=ctl,path={ctl},server=on,wait=off", "-device", "isa-serial,chardev=ctl"]
        # Native PCIe hot-plug (pciehp, as on PCs and Thunderbolt ports): slots named by their number.
        cmd += ["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"]
        for port in range(1, self.ROOT_PORTS + 1):
            cmd += ["-device", f"pcie-root-port,id=rp{port},chassis={port},slot={port}"]
        boot_nvme = self.nvme_image("bootnvme")
        cmd += ["-drive", f"if=none,id=bootnvme,format=raw,file={boot_nvme}",
                "-device", "nvme,bus=rp1,drive=bootnvme,serial=boot-nvme"]
        # A virtio-scsi controller with a partitioned disk from boot (a system disk on a non-USB SCSI
        # transport: never touched); disks hot-plugged onto it later ("scsi:SERIAL") stand in for eSATA,
        # which QEMU cannot hot-plug on its AHCI controller.
        boot_scsi = self.nvme_image("bootscsi")
        cmd += ["-device", "virtio-scsi-pci,id=vscsi",
                "-drive", f"if=none,id=bootscsi,format=raw,file={boot_scsi}",
                "-device", "scsi-hd,bus=vscsi.0,drive=bootscsi,serial=boot-scsi,id=bootscsi"]
        if early:
            image = self.image("early")
            cmd += ["-blockdev", f"driver=raw,node-name=early,file.driver=file,file.filename={image}",
                    "-device", f"usb-storage,bus=xhci.0,drive=early,serial={early},id=early"]
        if sdcard:
            # A PCI SD card reader with a card in it at boot ("E2E CARD <name>" swaps the card later).
            image = self.image("card1")
            cmd += ["-device", "sdhci-pci,id=sdhci", "-drive", f"if=none,id=cardmedia,format=raw,file={image}",
                    "-device", "sd-card,drive=cardmedia,id=sdcard"]
        if disc:
            # A DVD drive on the q35 machine's built-in SATA (AHCI) controller with a disc in it.
            cmd += ["-drive", f"if=none,id=dvd,media=cdrom,format=raw,readonly=on,file={disc}",
                    "-device", "ide-cd,bus=ide.2,drive=dvd,id=dvd"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "qemu.err"), "w"))
        self.qmp = Qmp(qmp, time.monotonic() + 30)
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctl.connect(ctl)
        self.signer = None  # callable(challenge, minutes) -> response, for "E2E SIGN"
        self.offset = 0
        self.partial = ""

    def image(self, name):
        """A fresh 8 MiB FAT image per stick (mkfs.vfat from dosfstools)."""
        path = os.path.join(self.work, f"{name}.img")
        if os.path.exists(path):
            os.unlink(path)
        subprocess.run(["mkfs.vfat", "-C", path, "8192"], check=True, stdout=subprocess.DEVNULL)
        return path

    def nvme_image(self, name):
        """A fresh 8 MiB drive image with an MBR partition table: one Linux partition from sector 2048
        to the end (the guest checks the partition appears and takes writes)."""
        path = os.path.join(self.work, f"{name}.img")
        sectors = 8 * 2048
        mbr = bytearray(512)
        # Partition entry 1: not bootable, CHS unused (0xfe/0xff/0xff), type 0x83, LBA start and count.
        mbr[446:462] = (bytes([0x00, 0xfe, 0xff, 0xff, 0x83, 0xfe, 0xff, 0xff]) + (2048).to_bytes(4, "little") +
                        (sectors - 2048).to_bytes(4, "little"))
        mbr[510:512] = b"\x55\xaa"
        with open(path, "wb") as f:
            f.write(mbr)
            f.truncate(sectors * 512)
        return path

    def plug(self, ident, what):
        if what == "kbd":
            self.qmp.command("device_add", driver="usb-kbd", bus="xhci.0", id=ident)
            return
        if what == "mtp":
            # QEMU's MTP responder (a phone's file transfer): class 06/01/01, interface string "MTP",
            # Microsoft OS compat ID "MTP"; it shares a folder with one file in it.
            root = os.path.join(self.work, "mtp-root")
            os.makedirs(root, exist_ok=True)
            with open(os.path.join(root, "holiday.txt"), "w") as f:
                f.write("a file on the phone\n")
            self.qmp.command("device_add", driver="usb-mtp", bus="xhci.0", rootdir=root, serial=f"mtp-{ident}",
                             id=ident)
            return
        if what.startswith("usbcd:"):
            # A USB CD/DVD burner: QEMU's usb-bot (bulk-only mass storage, the USB serial given) with a
            # scsi-cd holding the disc. Hot-plugged, usb-bot waits unattached until its LUN is there
            # (QEMU's docs/system/devices/usb.rst), then the guest sees it.
            self.qmp.command("blockdev-add", **{"driver": "raw", "node-name": f"n{ident}", "read-only": True,
                                                "file": {"driver": "file", "filename": self.disc, "read-only": True}})
            self.qmp.command("device_add", driver="usb-bot", bus="xhci.0", serial=what[6:], id=ident)
            self.qmp.command("device_add", driver="scsi-cd", bus=f"{ident}.0", drive=f"n{ident}", id=f"{ident}cd")
            self.qmp.command("qom-set", path=f"/machine/peripheral/{ident}", property="attached", value=True)
            return
        partitioned = what.startswith(("nvme:", "scsi:", "hba:"))
        image = self.nvme_image(ident) if partitioned else self.image(ident)
        self.qmp.command("blockdev-add", **{"driver": "raw", "node-name": f"n{ident}",
                                            "file": {"driver": "file", "filename": image}})
        if what.startswith("nvme:"):  # an NVMe drive into a PCIe hot-plug slot (pciehp)
            self.qmp.command("device_add", driver="nvme", bus=what[5:], drive=f"n{ident}", serial=ident, id=ident)
            return
        if what.startswith("hba:"):
            # A SAS HBA into a PCIe hot-plug slot with a disk behind it: megasas-gen2 (LSI MegaRAID SAS
            # 2108, PCI class 0104); the disk is on its bus before the guest powers the slot on.
            self.qmp.command("device_add", driver="megasas-gen2", bus=what[4:], id=ident)
            self.qmp.command("device_add", driver="scsi-hd", bus=f"{ident}.0", drive=f"n{ident}", serial=f"{ident}-disk",
                             id=f"{ident}d")
            return
        if what.startswith("scsi:"):  # a SCSI disk onto the virtio-scsi controller (eSATA's stand-in)
            self.qmp.command("device_add", driver="scsi-hd", bus="vscsi.0", drive=f"n{ident}", serial=what[5:],
                             id=ident)
            return
        self.qmp.command("device_add", driver="usb-storage", bus="xhci.0", drive=f"n{ident}", serial=what, id=ident)

    def unplug(self, ident):
        self.qmp.command("device_del", id=ident)

    def lines(self):
        """New complete console lines since the last call."""
        with open(self.console, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        text = self.partial + data.decode("utf-8", "replace")
        *complete, self.partial = text.split("\n")
        return [line.rstrip("\r") for line in complete]

    def run(self, deadline, on_line):
        """Serves PLUG/UNPLUG until the guest says DONE or the deadline passes; True when DONE."""
        while time.monotonic() < deadline:
            new = self.lines()
            for line in new:
                on_line(line)
                at = line.find("E2E ")
                if at < 0:
                    continue
                words = line[at:].split()
                if words[1] == "PLUG":
                    self.plug(words[2], words[3])
                elif words[1] == "UNPLUG":
                    self.unplug(words[2])
                elif words[1] == "CARD":
                    # The card is taken out and another one put in: the guest sees a removal and an insertion.
                    self.qmp.command("blockdev-change-medium", id="sdcard", filename=self.image(words[2]),
                                     format="raw")
                elif words[1] == "SIGN" and self.signer:
                    self.ctl.sendall((self.signer(words[2], words[3]) + "\n").encode())
                elif words[1] == "DONE":
                    return True
            if self.proc.poll() is not None and not new:
                return False
            if not new:
                time.sleep(0.02)
        return False

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
