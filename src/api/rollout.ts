import { z } from 'zod';
import { VALIDATIONS } from './cel.js';
import { labelSelectorSchema } from './labelselector.js';

/**
 * spec.rollout: how a change to what the baseline writes reaches its namespaces (docs/rollout.md).
 * Absent: every namespace at once, as with waves 1 and no canary.
 */

export const MAX_WAVES = 100;
/** A day: a soak longer than that is a hold, which `paused` says honestly. */
export const MAX_PAUSE_SECONDS = 86_400;
export const MAX_FAILED_NAMESPACES = 100_000;

const CANARY_NOT_EMPTY = 'canary must name labels (matchLabels or matchExpressions): an empty selector would make every namespace a canary';

export const rolloutSpecSchema = z
  .object({
    canary: labelSelectorSchema
      .optional()
      .describe('Namespaces (by label) that get a change first, before any wave. Absent: no canary step.'),
    waves: z
      .int()
      .min(1)
      .max(MAX_WAVES)
      .default(1)
      .describe(`The other namespaces are split into this many waves (1..${MAX_WAVES}), in a stable order (a hash of the name), so a rerun picks the same namespaces. 1: all at once.`),
    pauseSeconds: z
      .int()
      .min(0)
      .max(MAX_PAUSE_SECONDS)
      .default(0)
      .describe(`Soak time (0..${MAX_PAUSE_SECONDS}) after the canary and after each wave is in place, before the next wave starts.`),
    paused: z.boolean().default(false).describe('True holds the rollout where it is: no further wave starts until it is false again.'),
    maxFailedNamespaces: z
      .int()
      .min(0)
      .max(MAX_FAILED_NAMESPACES)
      .default(0)
      .describe('The rollout halts when more namespaces than this fail to take the new revision; no wave starts after that until the spec changes.'),
  })
  .strict()
  .superRefine((r, ctx) => {
    const c = r.canary;
    if (c !== undefined && Object.keys(c.matchLabels ?? {}).length === 0 && (c.matchExpressions ?? []).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['canary'], message: CANARY_NOT_EMPTY });
    }
  })
  .meta({
    [VALIDATIONS]: [
      {
        rule: '!has(self.canary) || (has(self.canary.matchLabels) && size(self.canary.matchLabels) > 0) || (has(self.canary.matchExpressions) && size(self.canary.matchExpressions) > 0)',
        message: CANARY_NOT_EMPTY,
        fieldPath: '.canary',
      },
    ],
  });

export type RolloutSpec = z.output<typeof rolloutSpecSchema>;

export const rolloutPhaseSchema = z.enum(['Progressing', 'Paused', 'Halted', 'Complete']);
export type RolloutPhase = z.output<typeof rolloutPhaseSchema>;

/** At most this many failed namespaces are named on the status; the count says how many there are. */
export const MAX_FAILED_NAMED = 5;

export const rolloutStatusSchema = z
  .object({
    revision: z.string().max(63).describe('The revision being rolled out (or rolled out): the posture.dev/revision label on the objects written from it, and the ControllerRevision <baseline>-<revision>.'),
    phase: rolloutPhaseSchema.describe('Progressing, Paused (spec.rollout.paused), Halted (too many namespaces failed) or Complete.'),
    updated: z.int().min(0).describe('Selected namespaces whose objects are at this revision.'),
    total: z.int().min(0).describe('Selected namespaces.'),
    currentWave: z.int().min(0).describe('The step under way or last started: 0 is the canary, 1..waves the waves.'),
    waves: z.int().min(0).describe('The number of waves after the canary.'),
    waveStartedAt: z.string().optional().describe('When the current step started (RFC 3339).'),
    nextWaveAt: z.string().optional().describe('When the next wave may start: the current step is in place and soaking for pauseSeconds.'),
    failed: z.int().min(0).optional().describe('Namespaces that failed to take this revision.'),
    message: z.string().max(1024).optional().describe(`Why the rollout is halted or paused, naming up to ${MAX_FAILED_NAMED} failed namespaces.`),
  })
  .strict();

export type RolloutStatus = z.output<typeof rolloutStatusSchema>;
