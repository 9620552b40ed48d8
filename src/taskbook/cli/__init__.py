"""The ``taskbook`` command line (click); headless, never imports the kernel or widgets."""
