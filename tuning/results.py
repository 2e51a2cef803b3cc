"""What a search found, as data and as files: `best_hyperparameters.json`,
`trials.csv` and `best_model.keras`."""

import csv
import dataclasses
import json
import os

BEST_HYPERPARAMETERS = "best_hyperparameters.json"
TRIALS = "trials.csv"
BEST_MODEL = "best_model.keras"
#: Prefix of the bookkeeping entries Hyperband adds to a trial's values.
TUNER_ENTRIES = "tuner/"
TRIAL_COLUMNS = ("trial_id", "status", "score", "best_step")


@dataclasses.dataclass
class SearchResult:
    """The outcome of `tuning.search`.

    Attributes:
        objective: str. Name of the objective metric (maximized).
        best_hyperparameters: dict of the best trial's values (Hyperband's
            `tuner/*` bookkeeping left out); empty on a distributed worker.
        best_score: float or None. The best trial's objective.
        best_trial_id: str or None.
        best_model: the best trial's model with the weights of its best epoch, or
            None (a distributed worker, or no completed trial).
        trials: list of dicts, one per trial: `trial_id`, `status`, `score`,
            `best_step`, the hyperparameter values and the metrics reported to the
            oracle. Empty on a distributed worker (only the chief has them).
        role: str. `"standalone"`, `"chief"` or `"worker"`.
        tuner: the tuner that ran the search.
    """

    objective: str
    best_hyperparameters: dict
    best_score: float
    best_trial_id: str
    best_model: object
    trials: list
    role: str
    tuner: object = dataclasses.field(repr=False, default=None)

    def save(self, out):
        """Writes `best_hyperparameters.json`, `trials.csv` and `best_model.keras`
        (the last when there is a best model) into the folder `out`.

        Returns:
            Dict of file kind -> path written.
        """
        os.makedirs(out, exist_ok=True)
        paths = {"best_hyperparameters": os.path.join(out, BEST_HYPERPARAMETERS), "trials": os.path.join(out, TRIALS)}
        with open(paths["best_hyperparameters"], "w") as f:
            json.dump(self.best_hyperparameters, f, indent=2)
        write_csv(self.trials, paths["trials"])
        if self.best_model is not None:
            paths["best_model"] = os.path.join(out, BEST_MODEL)
            self.best_model.save(paths["best_model"])
        return paths


def from_tuner(tuner, role):
    """The `SearchResult` of a finished search (a worker's holds no trials: it must
    not query a chief that may already have exited)."""
    objective = tuner.oracle.objective.name
    if role == "worker":
        return SearchResult(objective, {}, None, None, None, [], role, tuner)
    rows = trial_rows(tuner.oracle.trials.values())
    best = tuner.oracle.get_best_trials(1)
    best = best[0] if best and best[0].status == "COMPLETED" else None
    if best is None:
        return SearchResult(objective, {}, None, None, None, rows, role, tuner)
    values = {k: v for k, v in best.hyperparameters.values.items() if not k.startswith(TUNER_ENTRIES)}
    return SearchResult(objective, values, _float(best.score), best.trial_id, tuner.load_model(best), rows, role, tuner)


def trial_rows(trials):
    """One dict per `keras_tuner` trial, sorted by trial id."""
    rows = []
    for trial in sorted(trials, key=lambda t: t.trial_id):
        row = {"trial_id": trial.trial_id, "status": trial.status, "score": _float(trial.score), "best_step": trial.best_step}
        row.update(trial.hyperparameters.values)
        row.update({name: _float(trial.metrics.get_last_value(name)) for name in sorted(trial.metrics.metrics)})
        rows.append(row)
    return rows


def write_csv(rows, path):
    """Writes `rows` (dicts) as CSV with the union of their keys as columns."""
    columns = list(TRIAL_COLUMNS)
    for row in rows:
        columns += [key for key in row if key not in columns]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _float(value):
    return None if value is None else float(value)
