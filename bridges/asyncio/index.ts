// `furrow/asyncio`: Python asyncio children as actors of a furrow tree. Importing
// this module registers the `'python'` spawn backend (see the example below). The
// Python side is the `furrow_asyncio` package shipped in ./python.
import { registerSpawnBackend } from 'furrow/spawn';
import { pythonBackend } from './backend.ts';

registerSpawnBackend('python', pythonBackend);

export {
  pythonBackend,
  checkInterpreter,
  PythonNotFoundError,
  PythonMsgpackMissingError,
  PYTHON_PACKAGE_DIR,
  NO_MSGPACK_EXIT,
  type PythonActorOptions,
} from './backend.ts';
