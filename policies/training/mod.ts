/**
 * Training predictive models with TensorFlow.js: the backend choice, the models, their
 * serialisation and the hyperparameter search. Loads tfjs.
 * @module
 */
export * from "./model_io.ts";
export * from "./models.ts";
export * from "./search_space.ts";
export * from "./tf_backend.ts";
export * from "./train.ts";
export * from "./train_job.ts";
