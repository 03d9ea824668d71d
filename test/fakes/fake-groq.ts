/**
 * The fake Groq server lives in `local/fakes/fake-groq.ts`: `prospector eval --suite drafts`
 * runs it too, and the command line must not load test code. Tests keep importing it from here.
 */
export * from '#local/fakes/fake-groq.ts';
