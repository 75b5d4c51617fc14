// The realtime connection: one Socket.IO client over websockets to this origin.
import { io } from "socket.io-client";

const LABELS = {
  connecting: "Connecting…",
  connected: "Connected",
  offline: "Offline — reconnecting…",
};

export function connect({ onState = () => {}, auth } = {}) {
  const socket = io({ transports: ["websocket"], auth });
  onState("connecting", LABELS.connecting);
  socket.on("connect", () => onState("connected", LABELS.connected));
  socket.on("disconnect", () => onState("offline", LABELS.offline));
  socket.on("connect_error", () => onState("offline", LABELS.offline));
  return socket;
}
