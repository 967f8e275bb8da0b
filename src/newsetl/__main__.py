from newsetl.cli import main

raise SystemExit(main())
