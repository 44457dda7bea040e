// Progress on stderr: lines that stay, and the load's once-a-second status, which a terminal
// shows as one line updated in place (a log file gets every status line, so CI keeps the detail).
export interface Progress { line(text: string): void; status(text: string): void }

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let statusShown = false;
  const clear = () => { if (statusShown) stream.write('\r\x1b[K'); statusShown = false; };
  return {
    line(text) { clear(); stream.write(`${text}\n`); },
    status(text) {
      if (!tty) { stream.write(`${text}\n`); return; }
      clear();
      stream.write(text.slice(0, Math.max(20, (stream.columns ?? 120) - 1)));
      statusShown = true;
    },
  };
}
