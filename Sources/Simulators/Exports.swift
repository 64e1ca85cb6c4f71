import FSPIOP
