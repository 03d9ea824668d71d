/**
 * The reps' web app in the cloud: the same Hono app `prospector ui` serves (lambdas/web/app.ts),
 * behind an API Gateway HTTP API (payload format 2.0,
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
 * over the Data API and the S3 lake, with Cognito sign-in, Secure cookies and HSTS. Hono's
 * adapter turns the event into a web-standard Request (cookies from `event.cookies`) and the
 * Response back (Set-Cookie into `cookies`).
 */
import { handle } from 'hono/aws-lambda';
import { CognitoSignIn, type CognitoSignInOptions } from '#web/cognito.ts';
import { createWebApp } from '#web/app.ts';
import type { EdgeDeps } from '../cloud/composition.ts';
import { edgeHandler } from './runtime.ts';

/** The Lambda handler over built dependencies (tests pass PGlite, a folder lake and a loopback Cognito). */
export const makeHandler = (deps: EdgeDeps, signIn: CognitoSignInOptions = {}) => {
  if (!deps.lake || !deps.cognito) throw new Error('the web function needs the lake (LAKE_BUCKET) and Cognito (COGNITO_*) settings');
  const app = createWebApp({ sql: deps.sql, lake: deps.lake, secure: true, clock: deps.clock, log: deps.log, cognito: new CognitoSignIn(deps.cognito, signIn), startRedrive: deps.startRedrive });
  const serve = handle(app);
  return (event: unknown) => serve(event as Parameters<typeof serve>[0]);
};

export const handler = edgeHandler((deps) => makeHandler(deps), 'Web');
