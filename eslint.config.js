// `npm run lint` = tsc --noEmit, then this: promises nobody awaits, and the layering of
// docs/architecture (cli -> lib -> engine; in the engine store -> pool -> blocks -> datasets,
// files -> streams -> the front door): a lower layer never imports an upper one.
import tseslint from 'typescript-eslint';

/** Import specifiers (relative, as written in src/) that files in `folder` may not use. */
function forbid(files, message, regex) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ regex, message, allowTypeImports: false }] }],
    },
  };
}

const UP_TO_LIB_OR_CLI = String.raw`^(\.\./)+(lib|cli)/`;
/** The engine's top: the front door and what the library reads through (errno.ts is below all). */
const FRONT = String.raw`^\.\./(sync-task|reading|model|scrub|check)\.js$`;

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'demo/**', 'scripts/**', 'tools/**', 'bin/**', 'test/**', '*.config.*'] },
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // Each block names every layer above its folder (a later block for the same files replaces
  // the rule's options, so each folder gets exactly one).
  forbid(['src/engine/store/**/*.ts'], 'engine/store is the lowest layer: it imports nothing above it', String.raw`^\.\./(pool|blocks|datasets|files|streams)/|${FRONT}|${UP_TO_LIB_OR_CLI}`),
  forbid(['src/engine/pool/**/*.ts'], 'engine/pool sits on engine/store only', String.raw`^\.\./(blocks|datasets|files|streams)/|${FRONT}|${UP_TO_LIB_OR_CLI}`),
  forbid(['src/engine/blocks/**/*.ts'], 'engine/blocks sits on engine/pool and engine/store', String.raw`^\.\./(datasets|files|streams)/|${FRONT}|${UP_TO_LIB_OR_CLI}`),
  forbid(['src/engine/datasets/**/*.ts'], 'engine/datasets sits on engine/blocks and below', String.raw`^\.\./(files|streams)/|${FRONT}|${UP_TO_LIB_OR_CLI}`),
  forbid(['src/engine/files/**/*.ts'], 'engine/files sits on engine/datasets and below', String.raw`^\.\./streams/|${FRONT}|${UP_TO_LIB_OR_CLI}`),
  forbid(['src/engine/streams/**/*.ts'], 'engine/streams sits on engine/files and below', String.raw`${FRONT}|${UP_TO_LIB_OR_CLI}`),
  forbid(['src/engine/*.ts'], 'the engine never imports the library or the CLI', String.raw`^\.\./(lib|cli)/`),
  forbid(
    // src/images is the library's container-image part: the same rule holds for it
    ['src/lib/**/*.ts', 'src/images/**/*.ts'],
    'the library never imports the CLI, and reaches the engine through its front door, not the store or block layers',
    String.raw`^(\.\./)+cli/|^(\.\./)+engine/(store|blocks)/`,
  ),
  {
    // The CLI talks to the library; from the engine it may name types only.
    files: ['src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: String.raw`^(\.\./)+engine/`, message: 'the CLI talks to the library (src/lib), not the engine', allowTypeImports: true }] },
      ],
    },
  },
);
