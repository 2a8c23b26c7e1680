export type {
  GateAnswer,
  GateAnswered,
  GateAnswerSource,
  GateBroker,
  GateBrokerOptions,
  GateChoice,
  GateQuestion,
  GateRequest,
  GateResolver,
  PendingGateInfo,
} from './broker.js';
export { additionalInputOf, createGateBroker, GateAnswerError } from './broker.js';
