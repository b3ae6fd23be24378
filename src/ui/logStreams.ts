import type { Readable } from 'node:stream';
import * as vscode from 'vscode';
import type { Swarm } from '../core/swarm.js';

interface Entry {
  readonly channel: vscode.OutputChannel;
  abort: AbortController;
  stream: Readable | undefined;
}

/**
 * "Code Swarm: <name>" output channels, each fed by a followed log stream.
 * Showing the logs again restarts the stream in the same channel; closing
 * (delete, dispose) ends the stream before the channel goes.
 */
export class LogStreams implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly swarm: Swarm) {}

  async show(name: string): Promise<void> {
    let entry = this.entries.get(name);
    if (entry) {
      stop(entry);
      entry.channel.clear();
      entry.abort = new AbortController();
    } else {
      entry = { channel: vscode.window.createOutputChannel(`Code Swarm: ${name}`), abort: new AbortController(), stream: undefined };
      this.entries.set(name, entry);
    }
    entry.channel.show(true);
    const { abort, channel } = entry;
    const stream = await this.swarm.logs(name, { follow: true, tail: 200, signal: abort.signal });
    if (abort.signal.aborted) {
      stream.destroy();
      return;
    }
    entry.stream = stream;
    stream.on('data', (chunk: Buffer | string) => channel.append(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
    stream.once('error', (e: Error) => {
      if (!abort.signal.aborted) channel.appendLine(`[Code Swarm: the log stream broke: ${e.message}]`);
    });
    stream.once('end', () => {
      if (!abort.signal.aborted) channel.appendLine('[Code Swarm: end of the log stream]');
    });
  }

  close(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    this.entries.delete(name);
    stop(entry);
    entry.channel.dispose();
  }

  dispose(): void {
    for (const name of [...this.entries.keys()]) this.close(name);
  }
}

function stop(entry: Entry): void {
  entry.abort.abort();
  entry.stream?.destroy();
  entry.stream = undefined;
}
