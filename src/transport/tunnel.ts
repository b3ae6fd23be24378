/** A local URL on 127.0.0.1 that carries a browser to one instance; close it when done. */
export interface Tunnel {
  readonly port: number;
  /** The URL to open: it carries a one-time token that unlocks the tunnel for the browser that opens it first. */
  readonly url: string;
  /** Another such URL, with a token of its own: for each further opening (a spent token is refused to a browser without the cookie). */
  issueUrl(): Promise<string>;
  /** The name of the cookie the tunnel trades its token for. */
  readonly cookie: string;
  /**
   * Where its SSH work runs: on a worker thread with the tunnel's own
   * connection, or on this thread over the host's shared one (local hosts,
   * and remote ones whose worker could not start: see `note`).
   */
  readonly via: 'worker' | 'this thread';
  /** Why a tunnel to a remote host runs on this thread, when it does. */
  readonly note?: string;
  /** False once closed, or once its worker ended by itself. */
  readonly isOpen: boolean;
  close(): Promise<void>;
}
