/**
 * The CDK app entry (`cdk.json`: `npx tsx cdk/app.ts`). Synthesizes offline: no lookups, no
 * credentials needed; the region defaults to us-east-1 when neither CDK_DEFAULT_REGION nor
 * AWS_REGION is set.
 */
import { createApp } from './prospector-app.ts';

createApp().app.synth();
