export { createDelivery, type Delivery, type DeliveryOptions } from './engine.ts';
export { checkDestination, compileDestination, DestinationConfigError, DELIVERY_DEFAULTS, parseStartFrom } from './compile.ts';
export { DESTINATIONS, destinationType } from './destinations/index.ts';
export * from './types.ts';
