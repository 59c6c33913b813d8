/**
 * The server's change feed (`/api/events`): `onTask(taskId)` for every change, `onReconnect()`
 * whenever the stream (re)opens (events may have been missed), and the connection state for the header.
 */
export function connectLive({ onTask, onReconnect }) {
  const status = document.getElementById('connection');
  const show = (state, text) => {
    if (!status) return;
    status.dataset.status = state;
    status.textContent = text;
  };
  let source;
  const open = () => {
    source = new EventSource('/api/events');
    source.addEventListener('open', () => {
      show('live', 'Live');
      // Changes between the page's first load (or a gap) and this moment came without an event.
      onReconnect();
    });
    source.addEventListener('task', (event) => {
      try {
        onTask(JSON.parse(event.data).taskId);
      } catch {
        // A malformed event is skipped; the next one refreshes the page anyway.
      }
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        // Refused outright (signed out, server restarted): try again now and then.
        show('offline', 'Offline');
        setTimeout(open, 5000);
      } else {
        show('reconnecting', 'Reconnecting…');
      }
    });
  };
  open();
}

/**
 * Runs `load` now and again whenever `request()` is called, never twice at once: a request during
 * a run schedules one more run after it.
 */
export function refresher(load) {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await load();
    } finally {
      running = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };
  return run;
}
