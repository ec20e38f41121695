// The services area's checks, in report order. Each check lives in its own small module beside this file.
import type { Check } from "../../types.js";
import { ftp } from "./ftp.js";
import { inetd } from "./inetd.js";
import { nis } from "./nis.js";
import { rsh } from "./rsh.js";
import { talk } from "./talk.js";
import { telnet } from "./telnet.js";
import { tftp } from "./tftp.js";

export const checks: Check[] = [telnet, rsh, ftp, tftp, inetd, nis, talk];
