// Zips the files it is given with archiver and posts the zip back (see zip.ts for why this is a worker).
import { parentPort, workerData } from 'node:worker_threads';
import { ZipArchive } from 'archiver';

const { files, date } = workerData;
const zip = new ZipArchive({ zlib: { level: 9 } });
const chunks = [];
zip.on('data', (chunk) => chunks.push(chunk));
const ended = new Promise((resolve, reject) => {
  zip.on('end', resolve);
  zip.on('error', reject);
  zip.on('warning', reject);
});
for (const file of files) {
  zip.append(Buffer.from(file.data), { name: file.name, date: new Date(date), mode: file.mode });
}
await zip.finalize();
await ended;
parentPort.postMessage(Buffer.concat(chunks));
