/**
 * Commands that live in their own modules register here; `local/cli.ts` adds them to the
 * program after the core commands. Each module exports `register(program, ctx)`.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { register as registerCalibration } from './calibration.ts';
import { register as registerDoctor } from './doctor.ts';
import { register as registerDrafts } from './drafts.ts';
import { register as registerEval } from './eval.ts';
import { register as registerLake } from './lake.ts';
import { register as registerOutbox } from './outbox.ts';
import { register as registerOutcome } from './outcome.ts';
import { register as registerReplay } from './replay.ts';
import { register as registerReplies } from './replies.ts';
import { register as registerReport } from './report.ts';
import { register as registerSend } from './send.ts';
import { register as registerShow } from './show.ts';
import { register as registerTasks } from './tasks.ts';
import { register as registerTeam } from './team.ts';
import { register as registerUi } from './ui.ts';
import { register as registerWatch } from './watch.ts';

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const extraCommands: RegisterCommand[] = [registerEval, registerLake, registerShow, registerReplay, registerReport, registerDoctor, registerDrafts, registerOutbox, registerSend, registerReplies, registerTasks, registerTeam, registerOutcome, registerCalibration, registerUi, registerWatch];
