// Turns any failure into words a person can act on. Server messages are already written for
// people; crypto failures get ours. Anything unexpected is logged for developers.
import { ApiError } from "./api.js";
import { CryptoError, KdfParamsError, KeyDerivationError, MalformedError, WrongKeyError } from "./crypto.js";

export const WRONG_PASSWORD = "That password didn't work. Check it, or use your recovery code.";

/** Plain words for error; wrongKey is what to say when a key didn't open. */
export function describe(error, { wrongKey = WRONG_PASSWORD } = {}) {
  if (error instanceof ApiError) return error.message;
  if (error instanceof WrongKeyError) return wrongKey;
  if (error instanceof KdfParamsError) {
    return "The server asked for unusual security settings, so we stopped to keep your password safe. Please tell your clinic.";
  }
  if (error instanceof KeyDerivationError) {
    return "Your device ran short of memory while unlocking. Close a few other tabs or apps, then try again.";
  }
  if (error instanceof MalformedError || error instanceof CryptoError) {
    return "Your keys could not be opened on this device. Try again, and if it keeps happening, contact your clinic.";
  }
  console.error("unexpected failure", error);
  return "Something went wrong. Please try again.";
}
