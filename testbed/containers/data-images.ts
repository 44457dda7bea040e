import { TestbedError } from '../local/errors.js';
import type { Launcher } from '../local/launcher.js';
import { imagePresent, LOCAL_IMAGES } from './base-images.js';
import { containerLauncher, imageUser } from './container-launcher.js';
import { LOCALSTACK_IMAGE } from './localstack.js';

/**
 * Official images by default; where the engine holds only ours (no registry here), ours. DynamoDB:
 * LocalStack where the engine holds its image (pulled by the GitHub Actions workflow), else dynalite.
 */
const OFFICIAL = { postgres: 'postgres:15', redis: 'redis:7', dynamodb: LOCALSTACK_IMAGE } as const;

export const isLocalstack = (image: string) => image.includes('localstack');

export type DataNode = keyof typeof LOCAL_IMAGES;
export type DataImages = Record<DataNode, string>;

export async function resolveDataImages(chosen: Partial<DataImages>): Promise<DataImages> {
  const pick = async (node: DataNode): Promise<string> => {
    const given = chosen[node];
    if (given) {
      if (!(await imagePresent(given))) throw new TestbedError(`the ${node} image "${given}" is not in the local Docker engine`, 'docker pull it, or leave it out for the default');
      return given;
    }
    const official = OFFICIAL[node];
    if ((await imagePresent(official)) || (node !== 'dynamodb' && !(await imagePresent(LOCAL_IMAGES[node])))) return official;
    if (!(await imagePresent(LOCAL_IMAGES[node]))) throw new TestbedError(`no ${node} image: ${LOCAL_IMAGES[node]} is not built`, 'npm run containers:setup builds it');
    return LOCAL_IMAGES[node];
  };
  return { postgres: await pick('postgres'), redis: await pick('redis'), dynamodb: await pick('dynamodb') };
}

export interface DataContainers { images: DataImages; postgresUser: { uid: number; gid: number } }

/** Everything the containers provider needs to know before it starts anything. */
export async function prepareDataContainers(chosen: Partial<DataImages>): Promise<DataContainers> {
  const images = await resolveDataImages(chosen);
  return { images, postgresUser: await imageUser(images.postgres, 'postgres') };
}

/** One launcher per data node kind, each running its processes as containers of its image. */
export function containerLaunchers({ images, postgresUser }: DataContainers, runDir: string): Record<DataNode, Launcher> {
  return {
    postgres: containerLauncher({ image: images.postgres, runDir, role: 'postgres', postgresUser }),
    redis: containerLauncher({ image: images.redis, runDir, role: 'redis' }),
    dynamodb: containerLauncher({ image: images.dynamodb, runDir, role: 'dynamodb' }),
  };
}
