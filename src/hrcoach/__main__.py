from hrcoach.cli import main

raise SystemExit(main())
