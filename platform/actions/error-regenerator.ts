import { Errors } from "moleculer";

const { MoleculerClientError } = Errors;

/**
 * Errors cross the network as plain objects, and Moleculer rebuilds only its own classes, by
 * name: a refusal of ours (a `NotFoundError`, a `ConflictError`) would arrive on the caller's node
 * as a bare `Error`. The plain form here also says whether the error was a client error, and the
 * caller's node rebuilds it as one, so a refusal is told apart by its class wherever it was raised
 * (`isRequestRefused`), never by a status range.
 */
export class ClientErrorRegenerator extends Errors.Regenerator {
  override extractPlainError(err: Error): Errors.PlainMoleculerError {
    const plain = super.extractPlainError(err);
    return err instanceof MoleculerClientError ? { ...plain, clientError: true } : plain;
  }

  override restoreCustomError(plain: Errors.PlainMoleculerError): Error | undefined {
    if (plain.clientError !== true) return undefined;
    const error = new MoleculerClientError(plain.message, plain.code, plain.type, plain.data);
    error.name = plain.name;
    return error;
  }
}
