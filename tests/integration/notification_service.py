"""A desktop notification service for tests (the org.freedesktop.Notifications interface on a given
session bus): every Notify call is appended to a file as one JSON line. Run as the session's user;
the file exists once the name is owned. Usage: notification_service.py BUS_ADDRESS LOG_FILE"""

import json
import sys

import dbus
import dbus.bus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

INTERFACE = "org.freedesktop.Notifications"


class Notifications(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.log = log
        self.next_id = 1

    @dbus.service.method(INTERFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"app_name": str(app_name), "icon": str(icon), "summary": str(summary),
                                "body": str(body), "timeout": int(timeout)}) + "\n")
        self.next_id += 1
        return self.next_id - 1

    @dbus.service.method(INTERFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method(INTERFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ["mamori-test", "mamori", "1", "1.2"]

    @dbus.service.method(INTERFACE, in_signature="u", out_signature="")
    def CloseNotification(self, notification_id):
        pass


def main():
    address, log = sys.argv[1], sys.argv[2]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName(INTERFACE, bus)  # noqa: F841 (kept: the name is owned while it lives)
    Notifications(bus, log)
    open(log, "a").close()
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
