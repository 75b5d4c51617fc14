// Entry point of the browser client.
import { ready as cryptoReady } from "./crypto.js";
import { connect } from "./connection.js";

function showState(element, state, text) {
  element.dataset.state = state;
  element.textContent = text;
}

async function start() {
  const cryptoStatus = document.getElementById("crypto-status");
  const connectionStatus = document.getElementById("connection-status");
  connect({ onState: (state, label) => showState(connectionStatus, state, label) });
  try {
    await cryptoReady();
    showState(cryptoStatus, "ready", "Encryption is ready on this device.");
  } catch (error) {
    showState(cryptoStatus, "error", "This browser could not start encryption. Try an up-to-date browser.");
    console.error("crypto initialisation failed", error);
  }
}

start();
