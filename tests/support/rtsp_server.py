#!/usr/bin/python3
"""A local RTSP camera for the stream-source tests.

Usage: /usr/bin/python3 tests/support/rtsp_server.py PORT [PATH]

Serves a live 640x360, 25 fps test pattern as RTP/JPEG at rtsp://127.0.0.1:PORT/PATH
(PATH defaults to "cam"), using GStreamer's RTSP server through PyGObject. Prints
"READY" on stdout once it listens. Exits with status 3 and a message naming
scripts/setup when the GStreamer pieces are missing (Debian: python3-gi,
gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good).
"""
import os
import sys

USAGE = "usage: rtsp_server.py PORT [PATH]"


def main() -> int:
    if len(sys.argv) < 2:
        print(USAGE, file=sys.stderr)
        return 2
    port = int(sys.argv[1])
    path = sys.argv[2] if len(sys.argv) > 2 else "cam"
    try:
        import gi

        gi.require_version("Gst", "1.0")
        gi.require_version("GstRtspServer", "1.0")
        from gi.repository import GLib, Gst, GstRtspServer
    except (ImportError, ValueError) as e:
        print(f"rtsp_server.py: GStreamer RTSP server not available ({e}); "
              "run scripts/setup (python3-gi gir1.2-gst-rtsp-server-1.0)", file=sys.stderr)
        return 3

    Gst.init(None)
    for element in ("videotestsrc", "jpegenc", "rtpjpegpay"):
        if Gst.ElementFactory.find(element) is None:
            print(f"rtsp_server.py: GStreamer element '{element}' missing; run scripts/setup "
                  "(gstreamer1.0-plugins-base gstreamer1.0-plugins-good)", file=sys.stderr)
            return 3

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( videotestsrc is-live=true pattern=ball ! "
        "video/x-raw,format=I420,width=640,height=360,framerate=25/1 ! "
        "jpegenc quality=70 ! rtpjpegpay name=pay0 pt=96 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory("/" + path, factory)
    if server.attach(None) == 0:
        print(f"rtsp_server.py: cannot listen on 127.0.0.1:{port}", file=sys.stderr)
        return 4
    try:
        sys.stdout.write("READY\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the test stopped listening; keep serving
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
