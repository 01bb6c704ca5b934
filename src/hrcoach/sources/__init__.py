"""Where events come from: the live BLE strap and treadmill, replay pacing, feeds; remembered
devices (the file formats they read are in `hrcoach.formats`)."""
