"""Docx2Pdf UNO helper: drives one warm LibreOffice instance for the .NET converter.

Run with Debian's /usr/bin/python3 (python3-uno). Speaks line-delimited JSON on stdin/stdout:
  request  {"id": 1, "input": "/abs/in.docx", "output": "/abs/out.pdf", "filter": "MS Word 2007 XML",
            "password": null, "pdfVersion": 0, "pageRange": null}
  response {"id": 1, "ok": true, "engineMs": 123.4}
           {"id": 1, "ok": false, "error": "load|export|close|crashed", "message": "..."}
At start it prints {"event": "ready", ...} or {"event": "startFailed", ...}. Exit codes: 0 normal end (below),
2 python3-uno not importable, 3 soffice.bin exited during start, 4 no UNO connection in time, 5 soffice.bin died
during a conversion (after answering "crashed"). docs/design.md keeps the same list.
When stdin closes (the .NET parent ended or disposed the instance), when the parent dies (even in the middle of a
conversion, while this helper waits inside a UNO call), on SIGTERM/SIGHUP, or when stdout breaks, it kills
soffice.bin, reaps it, removes its pipe sockets and exits. soffice.bin also gets PR_SET_PDEATHSIG=SIGKILL, so it
dies with this helper whatever kills the helper; it runs under the address-space limit it was given and with
oom_score_adj 1000, so the kernel picks LibreOffice, never the host, when memory runs out.
The environment is the minimal one the .NET side built (no credentials); files are created owner-only (umask 077).
"""
import ctypes
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def prefer_oom_kill():
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


def main():
    cfg = json.loads(sys.argv[1])
    parent = os.getppid()
    os.umask(0o077)
    # Own process group: the .NET side ends the whole instance with kill(-pgid).
    try:
        os.setsid()
    except OSError:
        pass
    prefer_oom_kill()
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    limit = int(cfg.get("addressSpaceLimitBytes") or 0)

    def preexec():
        # Dies with the helper; set from the main thread, which lives as long as the helper.
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        prefer_oom_kill()
        if limit > 0:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.monotonic()
    pipe = cfg["pipe"]
    proc = subprocess.Popen(
        [cfg["soffice"], "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
         "--nolockcheck", "--nofirststartwizard",
         "-env:UserInstallation=" + cfg["profileUrl"],
         "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=preexec, env=env, close_fds=True, cwd=cfg["tmp"])

    finishing = threading.Lock()

    def finish(code):
        # Callable from any thread (the parent watch, a signal); the first caller ends the process.
        if not finishing.acquire(blocking=False):
            time.sleep(60)
            return
        if proc.poll() is None:
            try:
                proc.kill()
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            pass
        # A killed soffice.bin leaves its pipe sockets in /tmp (it ignores TMPDIR); the .NET side removes them too,
        # this covers a .NET parent that died. The IPC name is the MD5 of the profile URL (UTF-16LE), bytes in
        # hex without leading zeros.
        ipc = "".join("%x" % b for b in hashlib.md5(cfg["profileUrl"].encode("utf-16-le")).digest())
        for name in ("OSL_PIPE_%d_%s" % (os.getuid(), pipe), "OSL_PIPE_%d_SingleOfficeIPC_%s" % (os.getuid(), ipc)):
            try:
                os.remove(os.path.join("/tmp", name))
            except OSError:
                pass
        try:
            sys.stdout.flush()
        except Exception:  # noqa: BLE001
            pass
        os._exit(code)

    def emit(obj):
        try:
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, OSError, ValueError):
            finish(0)  # Nobody reads the answer any more: the parent is gone.

    def on_signal(signum, frame):
        finish(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    def watch_parent():
        # stdin's end of file is noticed only between requests; this also covers a parent that dies mid-conversion.
        while True:
            if os.getppid() != parent:
                finish(0)
            time.sleep(0.2)

    threading.Thread(target=watch_parent, daemon=True).start()

    try:
        import uno
        from com.sun.star.beans import PropertyValue
        from com.sun.star.connection import NoConnectException
    except Exception as e:  # noqa: BLE001
        emit({"event": "startFailed", "message": "python3-uno is not importable: %s" % e})
        finish(2)

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    ctx = None
    deadline = started + float(cfg.get("startTimeoutSeconds", 60))
    while ctx is None:
        if proc.poll() is not None:
            emit({"event": "startFailed", "message": "soffice.bin exited with code %s during start" % proc.returncode})
            finish(3)
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        except NoConnectException:
            if time.monotonic() > deadline:
                emit({"event": "startFailed", "message": "no UNO connection within the start timeout"})
                finish(4)
            time.sleep(0.02)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def prop(name, value):
        p = PropertyValue()
        p.Name = name
        p.Value = value
        return p

    emit({"event": "ready", "pid": os.getpid(), "sofficePid": proc.pid,
          "startMs": (time.monotonic() - started) * 1000.0})

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        rid = req.get("id")
        t0 = time.monotonic()
        phase = "load"
        doc = None
        try:
            load = [prop("Hidden", True), prop("ReadOnly", True),
                    prop("MacroExecutionMode", 0),  # MacroExecMode.NEVER_EXECUTE
                    prop("UpdateDocMode", 0),  # UpdateDocMode.NO_UPDATE
                    ] + ([prop("FilterName", req["filter"])] if req.get("filter") else [])
            # No "Referer": LibreOffice checks links (images, OLE, INCLUDEPICTURE, templates) against the loaded
            # document's own file URL, which lies outside the (empty) trusted locations, so the profile's
            # BlockUntrustedRefererLinks blocks them on 7.4 and 25.2 alike. A Referer equal to that URL would
            # also make 25.2 refuse to open the document itself (MediaDescriptor checks it before reading).
            if req.get("password") is not None:
                load.append(prop("Password", req["password"]))
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(req["input"]), "_blank", 0, tuple(load))
            if doc is None:
                raise RuntimeError("LibreOffice could not load the document")
            phase = "export"
            fd = [prop("SelectPdfVersion", int(req.get("pdfVersion") or 0))]
            if req.get("pageRange"):
                fd.append(prop("PageRange", req["pageRange"]))
            store = (prop("FilterName", "writer_pdf_Export"),
                     prop("FilterData", uno.Any("[]com.sun.star.beans.PropertyValue", tuple(fd))))
            doc.storeToURL(uno.systemPathToFileUrl(req["output"]), store)
            phase = "close"
            try:
                doc.close(True)
            except Exception:  # noqa: BLE001
                doc.dispose()
            doc = None
            emit({"id": rid, "ok": True, "engineMs": (time.monotonic() - t0) * 1000.0})
        except Exception as e:  # noqa: BLE001
            time.sleep(0.05)
            if proc.poll() is not None:
                emit({"id": rid, "ok": False, "error": "crashed",
                      "message": "soffice.bin exited with code %s" % proc.returncode})
                finish(5)
            if doc is not None:
                try:
                    doc.close(True)
                except Exception:  # noqa: BLE001
                    pass
            emit({"id": rid, "ok": False, "error": phase, "message": type(e).__name__ + ": " + str(e)[:300]})
    finish(0)


if __name__ == "__main__":
    main()
