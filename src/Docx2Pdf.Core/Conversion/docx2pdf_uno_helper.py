"""Docx2Pdf UNO helper: drives one warm LibreOffice instance for the .NET converter.

Run with Debian's /usr/bin/python3 (python3-uno). Speaks line-delimited JSON on stdin/stdout:
  request  {"id": 1, "input": "/abs/in.docx", "output": "/abs/out.pdf", "filter": "MS Word 2007 XML",
            "password": null, "pdfVersion": 0, "pageRange": null}
  response {"id": 1, "ok": true, "engineMs": 123.4}
           {"id": 1, "ok": false, "error": "load|export|crashed", "message": "..."}
At start it prints {"event": "ready", ...} or {"event": "startFailed", ...}.
When stdin closes (the .NET parent ended or disposed the instance) it kills soffice.bin, reaps it and exits.
soffice.bin also gets PR_SET_PDEATHSIG=SIGKILL, so it dies with this helper whatever kills the helper.
"""
import ctypes
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    cfg = json.loads(sys.argv[1])
    # Own process group: the .NET side ends the whole instance with kill(-pgid).
    try:
        os.setsid()
    except OSError:
        pass
    libc = ctypes.CDLL("libc.so.6", use_errno=True)

    def preexec():
        # Dies with the helper; set from the main thread, which lives as long as the helper.
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    env = dict(os.environ)
    env["TMPDIR"] = cfg["tmp"]
    env["TMP"] = cfg["tmp"]
    env["TEMP"] = cfg["tmp"]
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")
    started = time.monotonic()
    pipe = cfg["pipe"]
    proc = subprocess.Popen(
        [cfg["soffice"], "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
         "--nolockcheck", "--nofirststartwizard",
         "-env:UserInstallation=" + cfg["profileUrl"],
         "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=preexec, env=env, close_fds=True, cwd=cfg["tmp"])

    def finish(code):
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
        sys.exit(code)

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
