"""Weights of the evidence ranker, written by ``scripts/train_ranker.py``.

Trained on: external/dev, external/heldout, external/heldout2, external/heldout3, heldout,
heldout2, heldout3, heldout4, heldout5, questions.
"""

WEIGHTS = {
    'features': ['rules', 'rare_words', 'shared_words', 'passage', 'passage_rank', 'figure',
        'rarest_word', 'neighbour_meaning', 'answer_kind', 'off_subject'],
    'mean': [0.424492, 0.105531, 0.16642, 0.937219, 2.96846, 0.408041, 0.968548, 0.404134,
        0.0249223, 0.00621946],
    'scale': [0.144188, 0.129971, 0.168865, 0.0531484, 1.4104, 0.491471, 0.833243, 0.1714,
        0.0472329, 0.0786179],
    'weights': [1.32423, 0.756411, -0.793144, 0.443281, -0.183118, 0.243143, 0.511042, 0.19713,
        0.226893, -0.132054],
    'calibration': [0.820725, -3.66014],
}
