import type { SecretRef } from '../runbook/define.js';
import type { SecretSource } from '../runner/contract.js';
import type { Operator } from '../operator/operator.js';
import type { Journal } from '../journal/append-journal.js';
import type { Scrubber } from './scrubber.js';

/**
 * Hands secret values to runners. Values live only in this process's memory, are registered
 * with the scrubber before anyone can write them, and are asked again at each use: a retried
 * password step wants the corrected password, and a resumed run has none in memory anyway.
 */
export function secretSource(operator: Operator, scrubber: Scrubber, journal: Journal): SecretSource {
  const ask = async (ref: SecretRef, part: 'password' | 'username') => {
    const answer = await operator.secret(ref, part);
    if (part === 'password') {
      scrubber.add(answer.value);
      journal.append({ type: 'secret-supplied', secretId: ref.id, label: ref.label, source: answer.source, by: operator.who });
    }
    return answer.value;
  };
  return {
    get: (ref) => ask(ref, 'password'),
    credential: async (ref) => {
      const username = await ask(ref, 'username');
      const password = await ask(ref, 'password');
      return { username, password };
    },
  };
}
