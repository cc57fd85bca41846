/** Where runtime pods find their config and Secrets: shared by the operator (which mounts them) and the CLI (its defaults). */

/** The ConfigMap key, and the file name under CONFIG_DIR. */
export const CONFIG_KEY = 'config.json';
export const CONFIG_DIR = '/etc/sluice/config';
export const CONFIG_PATH = `${CONFIG_DIR}/${CONFIG_KEY}`;
export const SECRETS_DIR = '/etc/sluice/secrets';
/** Pod template annotation: changes whenever the config or a referenced Secret changes, rolling the pods. */
export const CONFIG_DIGEST_ANNOTATION = 'sluice.dev/config-digest';
