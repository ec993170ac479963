// npm start: install what is missing, build, serve on PORT (default 8080).
import { ensureDependencies, run } from './ensure.mjs';

ensureDependencies();
run('npx', ['vite', 'build', '--logLevel', 'warn']);
const { createAppServer } = await import('../server/index.mjs');
const port = Number(process.env.PORT ?? 8080);
const server = createAppServer();
server.listen(port, () =>
  console.log(`BoT peer app on http://localhost:${port}  (Ctrl+C stops it)`),
);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => server.close(() => process.exit(0)));
