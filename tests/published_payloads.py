"""Heart Rate Measurement (0x2A37) payloads captured from real straps, as published.

Each row: hex payload, device, source key, and the decoded values (bpm, contact, RR in 1/1024 s).
The sources (checked by hand; where a source's own decode was wrong we follow the bytes):
  [A] Stack Overflow q/60599696 "Garmin BLE heart rate monitor cannot get HRM data via Bluetooth"
  [B] cal-id/Polar-H7-Pi@README.md
  [C] Stack Overflow q/25456359 "How to get data out of bluetooth characteristic in Swift"
  [D] Stack Overflow q/50477232 "Reading Heart Rate Measurement values"
  [E] Stack Overflow q/67024800 "BLE Heart Rate Senser Value Interpretation"
  [F] Stack Overflow q/10421633 "Analyze data return from heart rate monitor"
  [G] Garmin Connect IQ forum "HRM Dual - extra data in heart rate characteristic data",
      forums.garmin.com/developer/connect-iq/f/discussion/319496
  [H] GitHub issue https://github.com/FleXoft/Polar-H7-HRM/issues/1
  [I] GitHub issue https://github.com/WebBluetoothCG/web-bluetooth/issues/493
  [J] Stack Overflow q/38818969
  [K] Stack Overflow q/33917836 "Bluetooth heartrate monitor byte decoding"
  [L] a copy of a Stack Overflow answer (ips99.com/show/4/879265.html)
  [M] MIT App Inventor community thread "How to interpret data from BLE heartrate monitor": (community.appinventor.mit.edu, thread 61569)
  [N] actigraph/GT3X-File-Format@LogRecords/HeartRateBLE.md
  [O] rickosborne/es-js-ts@src/packages/bluetools/__test__/heart-rate.test.ts
  [P] movisens/SmartGattLib@src/test/java/HeartRateMeasurementTest.java
Rows from [I] are 5-byte payloads as printed (a dangling byte after the RR values); rows 37-39
([M]) were rebuilt from the int16 values the poster printed.
"""

from hrcoach.protocol import SensorContact as C

PUBLISHED = [
    ("1634e404", "unbranded BLE/ANT+ chest strap", "A", 52, C.DETECTED, (1252,)),
    ("1634a504", "unbranded BLE/ANT+ chest strap", "A", 52, C.DETECTED, (1189,)),
    ("1633ea04", "unbranded BLE/ANT+ chest strap", "A", 51, C.DETECTED, (1258,)),
    ("1633de04", "unbranded BLE/ANT+ chest strap", "A", 51, C.DETECTED, (1246,)),
    ("063c", "Polar H7", "B", 60, C.DETECTED, ()),
    ("163c1104", "Polar H7", "B", 60, C.DETECTED, (1041,)),
    ("163cf503", "Polar H7", "B", 60, C.DETECTED, (1013,)),
    ("16447d03", "Polar H7", "C", 68, C.DETECTED, (893,)),
    ("164d1603", "Polar H7", "C", 77, C.DETECTED, (790,)),
    ("164e1b031203", "Polar H7", "C", 78, C.DETECTED, (795, 786)),
    ("164f0203", "Polar H7", "C", 79, C.DETECTED, (770,)),
    ("164e0f03", "Polar H7", "C", 78, C.DETECTED, (783,)),
    ("10482c03", "Polar H10", "D", 72, C.NOT_SUPPORTED, (812,)),
    ("10495e039603", "Polar H10", "D", 73, C.NOT_SUPPORTED, (862, 918)),
    ("103b5304", "Polar H10", "E", 59, C.NOT_SUPPORTED, (1107,)),
    ("144659035803", "Wahoo Blue HR", "F", 70, C.NOT_DETECTED, (857, 856)),
    ("10382d043500", "Garmin HRM-Dual", "G", 56, C.NOT_SUPPORTED, (1069, 53)),
    ("104ed202c802", "Polar strap", "H", 78, C.NOT_SUPPORTED, (722, 712)),
    ("104fb702", "Polar strap", "H", 79, C.NOT_SUPPORTED, (695,)),
    ("1050c002", "Polar strap", "H", 80, C.NOT_SUPPORTED, (704,)),
    ("105100031203", "Polar strap", "H", 81, C.NOT_SUPPORTED, (768, 786)),
    ("10513203", "Polar strap", "H", 81, C.NOT_SUPPORTED, (818,)),
    ("103eb103de", "unspecified HR device (Web Bluetooth)", "I", 62, C.NOT_SUPPORTED, (945,)),
    ("1039230435", "unspecified HR device (Web Bluetooth)", "I", 57, C.NOT_SUPPORTED, (1059,)),
    ("103dcf03ef", "unspecified HR device (Web Bluetooth)", "I", 61, C.NOT_SUPPORTED, (975,)),
    (
        "164015046d028c010c042404ab037b02b401",
        "unspecified HR strap (Windows UWP)",
        "J",
        64,
        C.DETECTED,
        (1045, 621, 396, 1036, 1060, 939, 635, 436),
    ),
    ("16402004", "unspecified HR strap (Windows UWP)", "J", 64, C.DETECTED, (1056,)),
    ("1640f8024701", "unspecified HR strap (Windows UWP)", "J", 64, C.DETECTED, (760, 327)),
    ("163c9703", "unspecified HR strap (Windows UWP)", "J", 60, C.DETECTED, (919,)),
    ("163d64037803", "unspecified HR strap (Windows UWP)", "J", 61, C.DETECTED, (868, 888)),
    ("063d", "unspecified HR strap (Windows UWP)", "J", 61, C.DETECTED, ()),
    ("163e17047803", "unspecified HR strap (Windows UWP)", "J", 62, C.DETECTED, (1047, 888)),
    ("16770402", "unspecified", "K", 119, C.DETECTED, (516,)),
    ("1678ff01ff010c01", "unspecified", "K", 120, C.DETECTED, (511, 511, 268)),
    ("167708020802", "unspecified", "K", 119, C.DETECTED, (520, 520)),
    ("163837040703", "unspecified", "L", 56, C.DETECTED, (1079, 775)),
    ("12367804", "unspecified chest strap", "M", 54, C.NOT_SUPPORTED, (1144,)),
    ("12357804", "unspecified chest strap", "M", 53, C.NOT_SUPPORTED, (1144,)),
    ("0236", "unspecified chest strap", "M", 54, C.NOT_SUPPORTED, ()),
    ("164218047001", "unspecified (HR strap paired to an ActiG", "N", 66, C.DETECTED, (1048, 368)),
    ("103fe803", "unspecified", "O", 63, C.NOT_SUPPORTED, (1000,)),
    ("103fc603", "unspecified", "O", 63, C.NOT_SUPPORTED, (966,)),
    ("103fd203", "unspecified", "O", 63, C.NOT_SUPPORTED, (978,)),
    ("16485401ec02", "unspecified", "P", 72, C.DETECTED, (340, 748)),
]
