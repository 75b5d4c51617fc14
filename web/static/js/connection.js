// The realtime connection: one Socket.IO client over websockets to this origin. The server
// accepts only sockets that present a live session token in `auth`.
import { io } from "socket.io-client";

const LABELS = {
  connecting: "Connecting…",
  connected: "Connected",
  offline: "Offline — reconnecting…",
  refused: "Not connected. Log in again to receive new messages.",
};

export function connect({ onState = () => {}, auth } = {}) {
  const socket = io({ transports: ["websocket"], auth });
  onState("connecting", LABELS.connecting);
  socket.on("connect", () => onState("connected", LABELS.connected));
  socket.on("disconnect", () => onState("offline", LABELS.offline));
  socket.on("connect_error", (error) => {
    // A refusal by the server carries data and is not retried; a network error is.
    if (error?.data) onState("refused", LABELS.refused);
    else onState("offline", LABELS.offline);
  });
  return socket;
}
