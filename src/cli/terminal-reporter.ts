import type { FinalMeta, StepMeta } from '../runbook/define.js';
import { fillTemplate } from '../runbook/define.js';
import type { Reporter, StepMark } from '../run/reporter.js';

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

export function paint(enabled: boolean) {
  const wrap = (code: string) => (text: string) => (enabled ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { bold: wrap('1'), dim: wrap('2'), red: wrap('31'), green: wrap('32'), yellow: wrap('33'), cyan: wrap('36') };
}

export const MARKS: Record<StepMark, string> = { done: '✔', current: '▶', failed: '✖', skipped: '↷', pending: '·', 'not-taken': '–' };

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Human output on stderr: step headers, instructions, a spinner while a step works, evidence. */
export class TerminalReporter implements Reporter {
  private readonly out = process.stderr;
  private readonly c = paint(useColor(process.stderr));
  private readonly animate = Boolean(process.stderr.isTTY);
  private spinner: NodeJS.Timeout | null = null;
  private spinText = '';
  private frame = 0;

  line(text = ''): void {
    this.pause();
    this.out.write(`${text}\n`);
  }

  header(title: string, lines: string[]): void {
    this.line(this.c.bold(title));
    for (const l of lines) this.line(this.c.dim(l));
  }

  stepList(items: Array<{ title: string; mark: StepMark }>): void {
    this.line();
    for (const item of items) {
      const mark = MARKS[item.mark];
      const text = `  ${mark} ${item.title}`;
      this.line(item.mark === 'done' ? this.c.green(text) : item.mark === 'failed' ? this.c.red(text) : item.mark === 'pending' || item.mark === 'not-taken' ? this.c.dim(`${text}${item.mark === 'not-taken' ? '  (not taken)' : ''}`) : item.mark === 'current' ? this.c.bold(text) : text);
    }
  }

  stepStarting(number: number, title: string, meta: StepMeta, runnerName: string, params: Record<string, unknown>): void {
    const tags = [meta.destructive ? this.c.red('DESTRUCTIVE') : '', meta.manual ? this.c.yellow('manual') : '', this.c.dim(`runner: ${runnerName}`)].filter(Boolean);
    this.line();
    this.line(`${this.c.bold(`── ${number}. ${title}`)}  ${tags.join(' ')}`);
    for (const text of meta.instructions) this.line(`   ${fillTemplate(text, params)}`);
    for (const text of meta.briefing ?? []) this.line(this.c.bold(`   ${fillTemplate(text, params)}`));
    if (meta.commands.length) {
      this.line(this.c.dim('   commands:'));
      for (const command of meta.commands) this.line(this.c.dim(`     ${fillTemplate(command, params)}`));
    }
    this.progress('working');
  }

  progress(text: string): void {
    this.spinText = text;
    if (!this.animate) {
      this.out.write(`   … ${text}\n`);
      return;
    }
    if (this.spinner) return;
    this.spinner = setInterval(() => {
      this.frame = (this.frame + 1) % FRAMES.length;
      this.out.write(`\r\x1b[2K   ${this.c.cyan(FRAMES[this.frame]!)} ${this.spinText}`);
    }, 80);
  }

  stepDone(title: string, evidence: string[], ms: number, replayed: boolean): void {
    this.line(this.c.green(`   ✔ ${title}${replayed ? '' : ` (${(ms / 1000).toFixed(1)} s)`}`));
    for (const e of evidence) this.line(`     • ${e}`);
  }

  stepFailed(title: string, message: string, evidence: string[]): void {
    this.line(this.c.red(`   ✖ ${title}: ${message}`));
    for (const e of evidence) this.line(`     • ${e}`);
  }

  prompt(title: string, instructions: string[]): void {
    this.line();
    this.line(this.c.bold(this.c.yellow(`── ${title}`)));
    for (const text of instructions) this.line(`   ${text}`);
  }

  notice(text: string): void {
    this.line(this.c.cyan(text));
  }

  warn(text: string): void {
    this.line(this.c.yellow(`! ${text}`));
  }

  finished(meta: FinalMeta | undefined, state: string): void {
    this.line();
    const title = meta ? `${meta.title}: ${meta.summary}` : state;
    const ok = meta?.outcome === 'success' || meta?.outcome === 'nothing-to-do';
    this.line(ok ? this.c.green(this.c.bold(`✔ ${title}`)) : this.c.yellow(this.c.bold(`■ ${title}`)));
  }

  pause(): void {
    if (this.spinner) {
      clearInterval(this.spinner);
      this.spinner = null;
      this.out.write('\r\x1b[2K');
    }
  }
}
