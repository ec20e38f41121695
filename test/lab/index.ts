// The namespace lab for integration tests (see README.md here): real sshd, real clients, real kernel
// enforcement, inside network + mount namespaces the tests create and always remove.
export { type AttackerNet, type LabRole, ONLINK_V4, ONLINK_V6 } from "./addresses.js";
export { removeStaleRuns } from "./cleanup.js";
export {
  type AddUserOptions,
  type CliRunResult,
  type ExecOptions,
  LabHost,
  OVERLAID,
  RUN_DIRS,
  type SshOptions,
  type SshResult,
  type TcpProbe,
} from "./host.js";
export { type KeyPair, makeKeyPair } from "./keys.js";
export { type HostOptions, Lab } from "./lab.js";
export { LAB_PROGRAMS, labTest, labUnavailable, type LabTestOptions } from "./lab-test.js";
export { type LabExit, LabProcess } from "./process.js";
export { type LabSshd, type SshdOptions, syslogStamp } from "./sshd.js";
