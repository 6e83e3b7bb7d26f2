/**
 * The file a function (a class) was defined in, asked of V8 through Node's inspector: the
 * function's [[FunctionLocation]] names its script, and the debugger's list of scripts gives that
 * script's URL. Used only to explain a failure (two classes under one name), as it enables the
 * debugger for a moment; null where the inspector cannot tell.
 */
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';

interface RemoteObject {
  objectId?: string;
}
interface InternalProperty {
  name: string;
  value?: { value?: { scriptId?: string } };
}

const PROBE = '__checkLayerDefinedInProbe';

/** For each function, the path (or URL) of the file that defines it, or null. */
export async function definedIn(fns: readonly unknown[]): Promise<(string | null)[]> {
  const session = new Session();
  const scripts = new Map<string, string>();
  try {
    session.connect();
    session.on('Debugger.scriptParsed', (m: { params: { scriptId: string; url: string } }) =>
      scripts.set(m.params.scriptId, m.params.url),
    );
    await session.post('Debugger.enable');
    const out: (string | null)[] = [];
    for (const fn of fns) {
      (globalThis as Record<string, unknown>)[PROBE] = fn;
      const { result } = (await session.post('Runtime.evaluate', { expression: `globalThis.${PROBE}` })) as {
        result: RemoteObject;
      };
      const props = (await session.post('Runtime.getProperties', {
        objectId: result.objectId!,
        ownProperties: true,
      })) as { internalProperties?: InternalProperty[] };
      const id = props.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value?.scriptId;
      out.push(id ? asPath(scripts.get(id)) : null);
    }
    return out;
  } catch {
    return fns.map(() => null);
  } finally {
    delete (globalThis as Record<string, unknown>)[PROBE];
    await session.post('Debugger.disable').catch(() => {});
    session.disconnect();
  }
}

function asPath(url: string | undefined): string | null {
  if (!url) return null;
  if (!url.startsWith('file:')) return url;
  try {
    return fileURLToPath(url.replace(/\?.*$/, ''));
  } catch {
    return url;
  }
}
