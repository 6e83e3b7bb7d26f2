/**
 * Loads a layer file: an ES module in TypeScript or JavaScript, from anywhere on disk, with no
 * build step (tsx; `register-loader.mjs` must be installed in this thread). Finds the layer
 * export (default, or `--export NAME`): an instance, a factory `() => layer` or a class with a
 * no-argument constructor; and the size of one observation (`inputSize` export or
 * `--input-size`). Every failure is a one-line `LayerLoadError` naming the file and the fix.
 */
import type { InputSize } from './options.ts';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LayerLoadError } from './errors.ts';
import { describeValue, isLayer, type LayerSource } from './layer-under-test.ts';
import { tf } from './tf.ts';

export const LAYER_FILE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

export interface LoadedLayerFile {
  /** Absolute path. */
  file: string;
  exportName: string;
  source: LayerSource;
  /** From the file's `inputSize` export, if any. */
  inputSize: InputSize | null;
}

export async function loadLayerFile(file: string, exportName = 'default'): Promise<LoadedLayerFile> {
  const abs = path.resolve(file);
  const shown = file;
  if (!existsSync(abs)) throw new LayerLoadError(`${shown}: no such file (check the path; quote it if it has spaces)`);
  if (statSync(abs).isDirectory())
    throw new LayerLoadError(
      `${shown}: is a folder; give the layer file itself, e.g. ${path.join(shown, 'myLayer.ts')}`,
    );
  const ext = path.extname(abs);
  if (!(LAYER_FILE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new LayerLoadError(
      `${shown}: unsupported file type "${ext || '(none)'}"; a layer file is ${LAYER_FILE_EXTENSIONS.join(', ')}`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw new LayerLoadError(await describeImportError(e, abs, shown));
  }
  // A CommonJS-compiled .ts file shows its exports under `default` as well.
  const exportsOf = unwrapCommonJs(mod);
  const names = Object.keys(exportsOf).filter((k) => k !== '__esModule');
  if (!(exportName in exportsOf) || exportsOf[exportName] === undefined) {
    const layerish = names.filter((n) => n !== 'inputSize' && isLayerish(exportsOf[n]));
    const hint =
      exportName === 'default'
        ? `export default a layer (instance, factory or class)${layerish.length ? `, or pass --export ${layerish[0]}` : ''}`
        : `pass --export with one of: ${names.join(', ') || '(no exports)'}`;
    throw new LayerLoadError(
      `${shown}: no ${exportName === 'default' ? 'default export' : `export named "${exportName}"`} (exports: ${names.join(', ') || 'none'}); ${hint}`,
    );
  }
  const value = exportsOf[exportName];
  const source = toSource(value, shown, exportName);
  const inputSize = readInputSize(exportsOf['inputSize'], shown);
  return { file: abs, exportName, source, inputSize };
}

function unwrapCommonJs(mod: Record<string, unknown>): Record<string, unknown> {
  const d = mod['default'] as Record<string, unknown> | undefined;
  if (
    d &&
    typeof d === 'object' &&
    !isLayer(d) &&
    ('__esModule' in d || Object.keys(mod).length === 1 || 'module.exports' in mod)
  ) {
    if ('default' in d || 'inputSize' in d) return d;
  }
  return mod;
}

function isLayerish(v: unknown): boolean {
  return isLayer(v) || typeof v === 'function';
}

function isLayerClass(v: unknown): v is new () => unknown {
  return (
    typeof v === 'function' &&
    (v.prototype instanceof tf.layers.Layer || /^class[\s{]/.test(Function.prototype.toString.call(v)))
  );
}

function toSource(value: unknown, shown: string, exportName: string): LayerSource {
  const what = exportName === 'default' ? 'default export' : `export "${exportName}"`;
  if (isLayer(value)) return { kind: 'instance', value };
  if (isLayerClass(value)) {
    if (!(value.prototype instanceof tf.layers.Layer)) {
      throw new LayerLoadError(
        `${shown}: ${what} is a class (${value.name}) that does not extend tf.layers.Layer or CustomLayer; extend one of them`,
      );
    }
    return { kind: 'class', value };
  }
  if (typeof value === 'function') return { kind: 'factory', value: value as () => unknown };
  throw new LayerLoadError(
    `${shown}: ${what} is ${describeValue(value)}, not a layer; export a layer instance, a factory () => layer, or a layer class`,
  );
}

/** Validates a size given by a file's `inputSize` export or by `--input-size`: one size, or a list of sizes (one per input). */
export function checkInputSize(v: unknown, where: string): InputSize {
  if (Array.isArray(v) && v.length > 0 && v.every((s) => Array.isArray(s))) {
    if (v.length === 1) return checkOneSize(v[0], where);
    return v.map((s, i) => checkOneSize(s, `${where} (size ${i + 1} of ${v.length})`));
  }
  return checkOneSize(v, where);
}

function checkOneSize(v: unknown, where: string): number[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)) {
    throw new LayerLoadError(
      `${where}: input size must be positive whole numbers such as 24,24,20 (height, width, channels); got ${JSON.stringify(v)}`,
    );
  }
  return v as number[];
}

function readInputSize(v: unknown, shown: string): InputSize | null {
  if (v === undefined) return null;
  return checkInputSize(v, `${shown}: export inputSize`);
}

async function describeImportError(e: unknown, abs: string, shown: string): Promise<string> {
  const err = e as Error & { code?: string; errors?: { text: string; location?: { line: number; column: number } }[] };
  const msg = String(err?.message ?? e);
  // esbuild (through tsx): "Transform failed with 1 error:\n/path/file.ts:3:31: ERROR: Unexpected ";""
  const esb = /:(\d+):(\d+): ERROR: (.*)/.exec(msg);
  if (err?.name === 'TransformError' || esb) {
    if (esb) return `${shown}:${esb[1]}:${esb[2]}: syntax error: ${esb[3]}`;
  }
  if (err instanceof SyntaxError || err?.name === 'SyntaxError') {
    const at = await locateSyntaxError(abs);
    return `${shown}${at ? `:${at.line}:${at.column}` : ''}: syntax error: ${at?.text ?? msg}`;
  }
  if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') {
    const missing = /Cannot find (?:module|package) '([^']+)'/.exec(msg)?.[1] ?? msg;
    return `${shown}: cannot import "${missing}"; install it or fix the import path`;
  }
  const frame = err?.stack?.split('\n').find((l) => l.includes(abs));
  const loc = frame ? /:(\d+):(\d+)\)?$/.exec(frame.trim()) : null;
  return `${shown}${loc ? `:${loc[1]}:${loc[2]}` : ''}: loading the file threw: ${msg.split('\n')[0]}`;
}

/** Finds where a JavaScript syntax error is (Node's own message for ES modules has no line). */
async function locateSyntaxError(abs: string): Promise<{ line: number; column: number; text: string } | null> {
  try {
    const { transform } = await import('esbuild');
    await transform(readFileSync(abs, 'utf8'), { loader: abs.endsWith('ts') ? 'ts' : 'js', format: 'esm' });
    return null;
  } catch (e) {
    const first = (e as { errors?: { text: string; location?: { line: number; column: number } }[] }).errors?.[0];
    if (!first?.location) return null;
    return { line: first.location.line, column: first.location.column + 1, text: first.text };
  }
}
