"""The kernel <-> JupyterLab extension protocol: messages, their TypeScript, the comm.

``messages`` defines every message once; ``typescript`` renders them for
``labextension/src/protocol.ts``; ``channel`` is the kernel's end of the comm.
"""
