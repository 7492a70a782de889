"""Plug-to-decision times from the guest kernel's log (dmesg), one clock for both ends: the device's
last enumeration line ("SerialNumber:", printed just before the kernel sends the add uevent) to the
agent's decision line, which the agent writes to /dev/kmsg after its sysfs writes (MAMORI_TRACE_KMSG).
Shared by the USB end-to-end test and bench/usb_plug.py."""
import re
import statistics

LINE = re.compile(r"\[\s*(\d+\.\d+)\] (.*)")
# Channels by the product string QEMU's devices report.
CHANNELS = {"QEMU USB HARDDRIVE": "storage", "QEMU filesharing": "phones", "QEMU USB Keyboard": "hid",
            "e2e gadget phone": "gadget_phones"}  # the configfs gadget on dummy_hcd (tests/e2e/usb)
# USB burners (QEMU's usb-bot reports the sticks' product string): by the serial the e2e gives them.
BURNER_SERIAL = "burner-"
# Hot-plugged PCI storage controllers: QEMU's NVMe drive (1b36:0010) is pcie_storage, others (a SAS
# HBA, megasas-gen2 1000:0079) pcie_storage_hba.
NVME_IDS = {"1b36:0010"}


def parse_line(line):
    """(seconds, text) of one dmesg line, or None."""
    m = LINE.search(line)
    return (float(m.group(1)), m.group(2)) if m else None


def analyse(dmesg):
    """Per plug, in order: dict with dev, product, channel, serial, t0 (enumerated), decided,
    decision, disk (a SCSI disk attached after it) — decided/disk None when not seen."""
    plugs = []
    current = {}
    products = {}
    for stamp, text in dmesg:
        m = re.match(r"usb (\S+): Product: (.*)", text)
        if m:
            products[m.group(1)] = m.group(2).strip()
            continue
        m = re.match(r"usb (\S+): SerialNumber: (\S+)", text)
        if m:
            dev = m.group(1)
            product = products.get(dev, "")
            channel = "usb_burner" if m.group(2).startswith(BURNER_SERIAL) else CHANNELS.get(product, "other")
            current[dev] = {"dev": dev, "product": product, "channel": channel,
                            "serial": m.group(2), "t0": stamp, "decided": None, "decision": None, "disk": None}
            plugs.append(current[dev])
            continue
        m = re.match(r"(mmc\d+): new .*card at address ([0-9a-f]+)", text)
        if m:  # an SD card in a PCI reader: its mmc device is named host:address
            dev = f"{m.group(1)}:{m.group(2)}"
            current[dev] = {"dev": dev, "product": "SD card", "channel": "card_readers", "serial": "",
                            "t0": stamp, "decided": None, "decision": None, "disk": None}
            plugs.append(current[dev])
            continue
        m = re.match(r"pci (\S+): \[([0-9a-f]{4}):([0-9a-f]{4})\] type 00 class 0x01", text)
        if m:  # a storage controller on the PCI bus (a hot-plugged NVMe drive): named by its address
            dev = m.group(1)
            ids = f"{m.group(2)}:{m.group(3)}"
            current[dev] = {"dev": dev, "product": ids, "channel": "pcie_storage" if ids in NVME_IDS else "pcie_storage_hba",
                            "serial": "", "t0": stamp, "decided": None, "decision": None, "disk": None,
                            "bound": None}
            plugs.append(current[dev])
            continue
        m = re.match(r"scsi (\d+:\d+:\d+:\d+): Direct-Access", text)
        if m:  # a SCSI disk (hot-plugged disks are decided by its address; USB sticks' are never named so)
            dev = m.group(1)
            current[dev] = {"dev": dev, "product": "SCSI disk", "channel": "hotplug_disks", "serial": "",
                            "t0": stamp, "decided": None, "decision": None, "disk": None}
            plugs.append(current[dev])
            continue
        m = re.match(r"scsi (\d+:\d+:\d+:\d+): CD-ROM", text)
        if m:  # a CD/DVD drive (the optical channel decides it by its SCSI address)
            dev = m.group(1)
            current[dev] = {"dev": dev, "product": "CD/DVD drive", "channel": "optical", "serial": "",
                            "t0": stamp, "decided": None, "decision": None, "disk": None}
            plugs.append(current[dev])
            continue
        m = re.match(r"nvme nvme\d+: pci function (\S+)", text) or re.match(r"megaraid_sas (\S+): ", text)
        if m and m.group(1) in current and current[m.group(1)].get("bound") is None:
            current[m.group(1)]["bound"] = stamp  # its driver started before the agent's override
            continue
        m = re.match(r"mamori: device\.(\w+) (\S+)", text)
        if m and m.group(1) not in ("connected", "open_refused") and m.group(2) in current:
            plug = current[m.group(2)]
            if plug["decided"] is None:
                plug["decided"], plug["decision"] = stamp, m.group(1)
            continue
        m = re.match(r"sd (\S+): \[\w+\] Attached SCSI", text)
        if m and m.group(1) in current and current[m.group(1)]["channel"] == "hotplug_disks":
            current[m.group(1)]["disk"] = stamp
            continue
        if "Attached SCSI" in text:
            for plug in plugs[::-1]:
                if plug["channel"] == "storage" and plug["disk"] is None:
                    plug["disk"] = stamp
                    break
    return plugs


def summary(label, values):
    if not values:
        return f"{label:<44} no samples"
    ms = [v * 1000 for v in values]
    return f"{label:<44} n={len(ms):<3} median {statistics.median(ms):7.1f} ms   max {max(ms):7.1f} ms"
