import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers.js';
import type { Constraint } from '@tensorflow/tfjs-layers/dist/constraints.js';
import { InvalidArgumentError } from '@tfjs-compress/common';

/**
 * tfjs-layers keeps its (de)serializers for initializers, regularizers and
 * constraints private; these do the same through the public class registry,
 * writing the `{className, config}` form that `model.save` understands.
 */

export type SerializedObject = { className: string; config: tf.serialization.ConfigDict };
export type InitializerSpec = string | Initializer | SerializedObject;
export type RegularizerSpec = string | Regularizer | SerializedObject;
export type ConstraintSpec = string | Constraint | SerializedObject;

type Factory<T> = (args: Record<string, unknown>) => T;
const INITIALIZER_FACTORIES = tfl.initializers as unknown as Record<string, Factory<Initializer>>;
const REGULARIZER_FACTORIES = tfl.regularizers as unknown as Record<string, Factory<Regularizer>>;
const CONSTRAINT_FACTORIES = tfl.constraints as unknown as Record<string, Factory<Constraint>>;

/** Serialized form of a registered tfjs object, or null. */
export function serializeObject(value: tf.serialization.Serializable | null | undefined): SerializedObject | null {
  if (value == null) return null;
  return { className: value.getClassName(), config: value.getConfig() };
}

function fromRegistry<T>(spec: SerializedObject, option: string): T {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[spec.className];
  if (entry == null) {
    throw new InvalidArgumentError(option, spec.className, 'a class registered with tf.serialization.registerClass');
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, spec.config) as unknown as T;
}

function resolve<T>(
  spec: string | T | SerializedObject | null | undefined,
  factories: Record<string, Factory<T>>,
  option: string,
): T | undefined {
  if (spec == null) return undefined;
  if (typeof spec === 'string') {
    const name = spec.charAt(0).toLowerCase() + spec.slice(1);
    const factory = factories[name] ?? factories[snakeToCamel(spec)];
    if (factory == null) {
      throw new InvalidArgumentError(option, spec, `one of ${Object.keys(factories).join(', ')}`);
    }
    return factory({});
  }
  if (typeof spec === 'object' && 'className' in spec && 'config' in spec && !(spec instanceof tf.serialization.Serializable)) {
    return fromRegistry<T>(spec as SerializedObject, option);
  }
  return spec as T;
}

function snakeToCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function resolveInitializer(spec: InitializerSpec | null | undefined, option: string): Initializer | undefined {
  return resolve(spec, INITIALIZER_FACTORIES, option);
}

export function resolveRegularizer(spec: RegularizerSpec | null | undefined, option: string): Regularizer | undefined {
  return resolve(spec, REGULARIZER_FACTORIES, option);
}

export function resolveConstraint(spec: ConstraintSpec | null | undefined, option: string): Constraint | undefined {
  return resolve(spec, CONSTRAINT_FACTORIES, option);
}
