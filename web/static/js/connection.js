// The realtime connection: one Socket.IO client over websockets to this origin. The server
// accepts only sockets that present a live session token in `auth`. When the browser says it
// is offline the socket is closed at once (rather than waiting for heartbeats to time out),
// and opened again as soon as the browser is back online.
import { io } from "socket.io-client";

const LABELS = {
  connecting: "Connecting…",
  connected: "Connected",
  offline: "Offline — reconnecting…",
  refused: "Not connected. Log in again to receive new messages.",
};

/** Opens the socket; close() ends it for good (logout). Returns {socket, close}. */
export function connect({ onState = () => {}, auth } = {}) {
  const socket = io({ transports: ["websocket"], auth });
  let droppedOffline = false;
  onState("connecting", LABELS.connecting);
  socket.on("connect", () => onState("connected", LABELS.connected));
  // The server closes the sockets of a session that ended (logout elsewhere, password
  // change): they are not retried, so do not say "reconnecting".
  socket.on("disconnect", (reason) => {
    if (reason === "io server disconnect") onState("refused", LABELS.refused);
    else onState("offline", LABELS.offline);
  });
  socket.on("connect_error", (error) => {
    // A refusal by the server carries data and is not retried; a network error is.
    if (error?.data) onState("refused", LABELS.refused);
    else onState("offline", LABELS.offline);
  });
  const wentOffline = () => {
    droppedOffline = true;
    socket.disconnect();
    onState("offline", LABELS.offline);
  };
  const cameOnline = () => {
    if (!droppedOffline) return;
    droppedOffline = false;
    onState("connecting", LABELS.connecting);
    socket.connect();
  };
  window.addEventListener("offline", wentOffline);
  window.addEventListener("online", cameOnline);
  return {
    socket,
    close() {
      window.removeEventListener("offline", wentOffline);
      window.removeEventListener("online", cameOnline);
      socket.disconnect();
    },
  };
}
