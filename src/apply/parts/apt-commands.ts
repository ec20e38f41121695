// Package-manager commands of the parts (install unattended-upgrades, purge legacy services): rampart never
// deletes a package's files itself, it asks apt. Under --root DIR the command runs inside the image
// (`chroot DIR apt-get …`), never against this machine's own packages.
import type { PartContext } from "../plan.js";

/** argv of a package-manager command on the target: chrooted into the image under --root. */
export function onTarget(ctx: PartContext, argv: string[]): string[] {
  return ctx.fs.live ? argv : ["chroot", ctx.fs.root, ...argv];
}

export const purgeArgv = (ctx: PartContext, pkg: string): string[] => onTarget(ctx, ["apt-get", "purge", "-y", pkg]);
export const installArgv = (ctx: PartContext, pkg: string): string[] => onTarget(ctx, ["apt-get", "install", "-y", pkg]);
