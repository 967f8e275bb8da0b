from newsetl.warm import run_command

# Guarded: worker processes (newsetl.parallel) import the main module again under another name.
if __name__ == "__main__":
    raise SystemExit(run_command())
