/** Spawning the store's child processes (storeChild.ts) for the store tests. */
import { spawn, type ChildProcess } from "node:child_process";
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { tsChild } from "../../harness/child";
import { REPO } from "../../harness/repo";

const child = path.join(__dirname, "storeChild.ts");

export function run(args: string[]): ChildProcess {
  const start = tsChild(child);
  return spawn(process.execPath, [...start.args, ...args], {
    cwd: REPO,
    env: { ...process.env, ...start.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  p.stdout!.on("data", (d) => (stdout += d));
  p.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => p.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Resolves once the child has printed `text`; rejects if it exits first. */
export function printed(p: ChildProcess, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(text)) {
        p.stdout!.off("data", onData);
        resolve();
      }
    };
    p.stdout!.on("data", onData);
    p.on("exit", (code) => reject(new Error(`the child exited (${code}) before printing ${JSON.stringify(text)}`)));
  });
}

/** A lock holder of this machine with `pid` (as the store records one), `start` its process start time where given. */
export function localHolder(pid: number, start?: number): Record<string, unknown> {
  const read = (f: string, link = false) => {
    try {
      return link ? fs.readlinkSync(f) : fs.readFileSync(f, "utf8").trim();
    } catch {
      return undefined;
    }
  };
  return { pid, host: os.hostname(), boot: read("/proc/sys/kernel/random/boot_id"), pidns: read("/proc/self/ns/pid", true), start, since: Date.now(), token: `test-${pid}` };
}

/** A process's start time (Linux: /proc/PID/stat field 22), or undefined. */
export function startTimeOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return undefined;
  }
}

/**
 * What is left in `dir` besides the state file: locks, temporary files, and lock drafts of
 * processes that are gone (a live writer keeps its lock draft `<file>.lock.<pid>.tmp`).
 */
export function leftovers(dir: string, state = "emulator.db"): string[] {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return fs.readdirSync(dir).filter((f) => {
    if (f === state) return false;
    const draft = /\.lock\.(\d+)\.tmp$/.exec(f);
    return !(draft && alive(Number(draft[1])));
  });
}
