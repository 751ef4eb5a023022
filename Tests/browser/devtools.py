"""Headless Chromium driven through the Chrome DevTools protocol, with a minimal WebSocket
client (RFC 6455) from the standard library: enough for check_page.py."""

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request

DESKTOP_WIDTH = 1000
VIEWPORT_HEIGHT = 800
TIMEOUT = 120  # seconds for any one step: the machine may be loaded


# ---------------------------------------------------------------- a WebSocket client (RFC 6455)

class WebSocket:
    def __init__(self, url):
        match = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((match.group(1), int(match.group(2))), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        request = ("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n") % (match.group(3), match.group(1), match.group(2), key)
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise IOError("the browser closed the connection during the handshake")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise IOError("WebSocket handshake refused: %r" % head[:200])

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise IOError("the browser closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def send(self, text):
        self._send_frame(0x1, text.encode("utf-8"))

    def _send_frame(self, opcode, payload):
        """A client's frame: final, masked (RFC 6455, 5.3)."""
        header = bytearray([0x80 | opcode])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 65536:
            header.append(0x80 | 126)
            header += struct.pack(">H", len(payload))
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        repeated = (mask * (len(payload) // 4 + 1))[:len(payload)]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")
        self.sock.sendall(bytes(header) + mask + masked)

    def receive(self):
        message = b""
        while True:
            first, second = self._read(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(length)
            if mask:
                repeated = (mask * (length // 4 + 1))[:length]
                payload = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
            if opcode == 0x8:
                raise IOError("the browser closed the connection")
            if opcode == 0x9:  # ping: answer with a pong carrying the same bytes
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:  # an unasked pong
                continue
            if opcode in (0x1, 0x2, 0x0):
                message += payload
                if first & 0x80:
                    return message.decode("utf-8")


class Browser:
    """Headless Chromium with a fresh profile, driven through the DevTools protocol."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="rnnrepl-chromium-")
        arguments = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                     "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0",
                     "--user-data-dir=" + self.profile, "--window-size=%d,%d" % (DESKTOP_WIDTH, VIEWPORT_HEIGHT)]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            arguments.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        arguments.append("about:blank")
        self.process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.time() + TIMEOUT
        endpoint = None
        log = b""
        while time.time() < deadline and endpoint is None:
            line = self.process.stderr.readline()
            if not line:
                break
            log += line
            match = re.search(rb"DevTools listening on (ws://\S+)", line)
            if match:
                endpoint = match.group(1).decode()
        if endpoint is None:
            self.close()
            raise IOError("Chromium did not start: %s" % log.decode(errors="replace")[-2000:])
        # Keep draining the browser's own log so that it can never block on a full pipe.
        threading.Thread(target=lambda: [None for _ in iter(self.process.stderr.readline, b"")], daemon=True).start()
        port = re.match(r"ws://[^:]+:(\d+)/", endpoint).group(1)
        with urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=TIMEOUT) as response:
            targets = json.loads(response.read())
        page = next(target for target in targets if target.get("type") == "page")
        self.socket = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            message = json.loads(self.socket.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise IOError("%s: %s" % (method, message["error"]))
                return message.get("result", {})
            self.events.append(message)
        raise IOError("%s: no answer in %d s" % (method, TIMEOUT))

    def wait_for(self, event):
        for index, message in enumerate(self.events):
            if message.get("method") == event:
                del self.events[index]
                return message
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            message = json.loads(self.socket.receive())
            if message.get("method") == event:
                return message
            self.events.append(message)
        raise IOError("no %s in %d s" % (event, TIMEOUT))

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise IOError("measuring script failed: %s" % result["exceptionDetails"])
        return result["result"].get("value")

    def set_width(self, width, mobile):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=VIEWPORT_HEIGHT, deviceScaleFactor=1,
                  mobile=mobile)
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def screenshot(self, x, y, width, height):
        result = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                           clip={"x": x, "y": y, "width": width, "height": height, "scale": 1})
        return base64.b64decode(result["data"])

    def console_messages(self):
        messages = []
        for message in self.events:
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.consoleAPICalled":
                messages.append("console.%s: %s" % (params.get("type"), [a.get("value") for a in params.get("args", [])]))
            elif method == "Runtime.exceptionThrown":
                messages.append("exception: %s" % params.get("exceptionDetails", {}).get("text"))
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                messages.append("log %s: %s %s" % (entry.get("level"), entry.get("text"), entry.get("url", "")))
        return messages

    def close(self):
        try:
            self.process.terminate()
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
