/**
 * Knows every secret value this process has seen and removes it from any text before the
 * text reaches a file: the journal, the diagnostic log, the checkpoint, evidence.
 */
export class Scrubber {
  private readonly forms = new Set<string>();

  add(value: string): void {
    if (!value) return;
    this.forms.add(value);
    // the same value as it appears inside a JSON string
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.forms.add(escaped);
  }

  scrub = (text: string): string => {
    if (this.forms.size === 0) return text;
    let result = text;
    for (const form of this.forms) result = result.split(form).join('***');
    return result;
  };
}
